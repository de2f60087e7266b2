with

community_populations as (

    select * from {{ ref('int_b2__community_populations') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

rayons as (

    select * from {{ ref('rayons') }}

),

oblasts as (

    select * from {{ ref('oblasts') }}

),

per_rayon as (

    select
        round_id,
        rayon_code,
        population_group,
        cast(sum(persons) as bigint) as persons,
        cast(sum(unknown_answers) as bigint) as unknown_answers,
        count(*) as communities_assessed,
        cast(sum(case when is_reporting then 1 else 0 end) as bigint) as communities_reporting

    from community_populations
    group by round_id, rayon_code, population_group

),

with_places as (

    select
        per_rayon.*,
        rayons.rayon_name,
        oblasts.oblast_code

    from per_rayon
    left join rayons
        on per_rayon.rayon_code = rayons.rayon_code
    left join oblasts
        on rayons.oblast_choice = oblasts.oblast_choice

),

final as (

    select
        round_id,
        coalesce(rayon_code, 'unknown') as rayon_code,
        rayon_name,
        oblast_code,
        population_group,
        persons,
        cast(100 as double) * persons / nullif(sum(persons) over (partition by round_id, population_group), 0)
            as pct_of_national,
        cast(100 as double) * persons
        / nullif(sum(persons) over (partition by round_id, oblast_code, population_group), 0)
            as pct_of_oblast,
        cast(row_number() over (
            partition by round_id, population_group
            order by persons desc, rayon_code asc
        ) as bigint) as rank_in_group,
        unknown_answers,
        communities_assessed,
        communities_reporting

    from with_places

)

select * from final
