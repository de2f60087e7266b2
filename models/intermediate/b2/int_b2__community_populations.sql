{#- One row per round, valid community and population group: persons (the sum of the counted
    answers; -99 and out-of-range answers excluded), how many answers were -99 (`unknown_answers`),
    what `*_present` said, and whether the community reports the population (present = yes, or at
    least one counted person). -#}
with

communities as (

    select * from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

groups as (

    select * from {{ ref('population_groups') }}

),

country_year_counts as (

    select * from {{ ref('int_b2__country_year_counts') }}
    where
        is_counted
        and {{ in_rounds_to_rebuild('round_id') }}

),

internal_flows as (

    select * from {{ ref('int_b2__internal_flows') }}
    where
        is_counted
        and {{ in_rounds_to_rebuild('round_id') }}

),

answers as (

    select
        round_id,
        community_id,
        population_group,
        persons,
        answer_status

    from country_year_counts

    union all

    select
        round_id,
        community_id,
        population_group,
        persons,
        answer_status

    from internal_flows

),

summed as (

    select
        round_id,
        community_id,
        population_group,
        cast(coalesce(sum(persons), 0) as bigint) as persons,
        cast(sum(case when answer_status = 'dont_know' then 1 else 0 end) as bigint) as unknown_answers,
        cast(sum(
            case when answer_status in ('out_of_range', 'unparseable', 'year_outside_round') then 1 else 0 end
        ) as bigint) as invalid_answers,
        count(*) as answers

    from answers
    group by round_id, community_id, population_group

),

community_groups as (

    select
        communities.round_id,
        communities.community_id,
        communities.rayon_code,
        communities.oblast_code,
        groups.population_group,
        groups.sort_order,
        case groups.population_group
            when 'international_migrant_workers' then communities.imw_present
            when 'return_migrants' then communities.ret_present
            when 'emigrants' then communities.emi_present
            when 'internal_migrants' then communities.int_in_present
            when 'internal_out_migrants' then communities.int_out_present
        end as present_answer

    from communities
    cross join groups

),

final as (

    select
        community_groups.round_id,
        community_groups.community_id,
        community_groups.rayon_code,
        community_groups.oblast_code,
        community_groups.population_group,
        community_groups.sort_order,
        coalesce(summed.persons, 0) as persons,
        coalesce(summed.unknown_answers, 0) as unknown_answers,
        coalesce(summed.invalid_answers, 0) as invalid_answers,
        coalesce(summed.answers, 0) as answers,
        community_groups.present_answer,
        (
            coalesce(community_groups.present_answer = 'yes', false)
            or coalesce(summed.persons, 0) > 0
        ) as is_reporting

    from community_groups
    left join summed
        on
            community_groups.round_id = summed.round_id
            and community_groups.community_id = summed.community_id
            and community_groups.population_group = summed.population_group

)

select * from final
