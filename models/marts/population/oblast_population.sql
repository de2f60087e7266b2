with

community_populations as (

    select * from {{ ref('int_b2__community_populations') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

oblasts as (

    select * from {{ ref('oblasts') }}

),

per_oblast as (

    select
        round_id,
        coalesce(oblast_code, 'unknown') as oblast_code,
        population_group,
        cast(sum(persons) as bigint) as persons,
        cast(sum(unknown_answers) as bigint) as unknown_answers,
        count(*) as communities_assessed,
        cast(sum(case when is_reporting then 1 else 0 end) as bigint) as communities_reporting

    from community_populations
    group by round_id, coalesce(oblast_code, 'unknown'), population_group

),

final as (

    select
        per_oblast.round_id,
        per_oblast.oblast_code,
        oblasts.oblast_name,
        per_oblast.population_group,
        per_oblast.persons,
        cast(100 as double) * per_oblast.persons
        / nullif(sum(per_oblast.persons) over (partition by per_oblast.round_id, per_oblast.population_group), 0)
            as pct_of_national,
        per_oblast.communities_assessed,
        per_oblast.communities_reporting,
        per_oblast.unknown_answers

    from per_oblast
    left join oblasts
        on per_oblast.oblast_code = oblasts.oblast_code

)

select * from final
