with

community_populations as (

    select * from {{ ref('int_b2__community_populations') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        round_id,
        population_group,
        cast(sum(persons) as bigint) as persons,
        count(*) as communities_assessed,
        cast(sum(case when is_reporting then 1 else 0 end) as bigint) as communities_reporting,
        cast(100 as double) * sum(case when is_reporting then 1 else 0 end) / count(*) as pct_communities_reporting,
        cast(sum(unknown_answers) as bigint) as unknown_answers

    from community_populations
    group by round_id, population_group

)

select * from final
