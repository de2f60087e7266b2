{#- Warning population_jumps: a community whose persons of a population changed more than
    fivefold, or from zero to over 100 (or back), since the previous round it was assessed in. -#}
{%- set factor = 5 -%}
{%- set from_zero = 100 -%}
with

community_population as (

    select * from {{ ref('community_population') }}

),

communities as (

    select * from {{ ref('communities') }}

),

round_ids as (

    select distinct round_id from community_population

),

rounds as (

    select
        round_id,
        lag(round_id) over (order by round_id) as previous_round_id

    from round_ids

),

paired as (

    select
        cur.round_id,
        cur.community_id,
        cur.population_group,
        prev.persons as previous_persons,
        cur.persons

    from community_population as cur
    inner join rounds
        on cur.round_id = rounds.round_id
    inner join community_population as prev
        on
            rounds.previous_round_id = prev.round_id
            and cur.community_id = prev.community_id
            and cur.population_group = prev.population_group

),

jumps as (

    select
        paired.round_id,
        paired.community_id,
        communities.community_name,
        communities.rayon_code,
        paired.population_group,
        paired.previous_persons,
        paired.persons

    from paired
    left join communities
        on
            paired.round_id = communities.round_id
            and paired.community_id = communities.community_id
    where
        (
            paired.previous_persons > 0 and paired.persons > 0
            and (
                paired.persons > {{ factor }} * paired.previous_persons
                or paired.previous_persons > {{ factor }} * paired.persons
            )
        )
        or (paired.previous_persons = 0 and paired.persons > {{ from_zero }})
        or (paired.persons = 0 and paired.previous_persons > {{ from_zero }})

),

final as (

    select * from jumps

)

select * from final
