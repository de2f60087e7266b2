with

flows as (

    select * from {{ ref('int_b2__internal_flows') }}
    where
        is_counted
        and {{ in_rounds_to_rebuild('round_id') }}

),

registry as (

    select * from {{ ref('int_rounds__registry') }}

),

national as (

    select * from {{ ref('national_population') }}
    where
        population_group in ('internal_migrants', 'internal_out_migrants')
        and {{ in_rounds_to_rebuild('round_id') }}

),

same_rayon as (

    select
        round_id,
        population_group,
        cast(coalesce(sum(case when is_same_rayon then persons end), 0) as bigint) as persons_same_rayon

    from flows
    group by round_id, population_group

),

final as (

    select
        national.round_id,
        national.population_group,
        registry.internal_reference_year as reference_year,
        national.persons,
        coalesce(same_rayon.persons_same_rayon, 0) as persons_same_rayon,
        cast(100 as double) * coalesce(same_rayon.persons_same_rayon, 0) / nullif(national.persons, 0)
            as pct_same_rayon,
        national.unknown_answers

    from national
    left join same_rayon
        on
            national.round_id = same_rayon.round_id
            and national.population_group = same_rayon.population_group
    left join registry
        on national.round_id = registry.round_id

)

select * from final
