{#- Each community's figure per round, population group and calendar year: the per-year counts of
    the three international groups, and the internal groups at their round's reference year.
    Only counted rows (valid submissions) are summed; `-99` answers are counted apart.
    Its grain includes the round: incremental by round (dbt_project.yml). -#}
with

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

registry as (

    select * from {{ ref('int_rounds__registry') }}

),

international as (

    select
        round_id,
        community_id,
        population_group,
        year,
        sum(persons) as persons,
        sum(case when answer_status = 'dont_know' then 1 else 0 end) as unknown_answers

    from country_year_counts
    group by round_id, community_id, population_group, year

),

internal as (

    select
        internal_flows.round_id,
        internal_flows.community_id,
        internal_flows.population_group,
        registry.internal_reference_year as year,
        sum(internal_flows.persons) as persons,
        sum(case when internal_flows.answer_status = 'dont_know' then 1 else 0 end) as unknown_answers

    from internal_flows
    inner join registry
        on internal_flows.round_id = registry.round_id
    where registry.internal_reference_year is not null
    group by
        internal_flows.round_id,
        internal_flows.community_id,
        internal_flows.population_group,
        registry.internal_reference_year

),

unioned as (

    select * from international
    union all
    select * from internal

),

final as (

    select
        cast(round_id as integer) as round_id,
        community_id,
        population_group,
        cast(year as integer) as year,
        cast(coalesce(persons, 0) as bigint) as persons,
        cast(unknown_answers as integer) as unknown_answers

    from unioned

)

select * from final
