with

counts as (

    select * from {{ ref('int_b2__country_year_counts') }}
    where
        is_counted
        and {{ in_rounds_to_rebuild('round_id') }}

),

country_names as (

    select * from {{ ref('int_geo__countries') }}

),

resolved_names as (

    select distinct
        country_code,
        country_name

    from {{ ref('int_geo__other_country_resolutions') }}

),

per_country as (

    select
        round_id,
        population_group,
        country_code,
        cast(coalesce(sum(persons), 0) as bigint) as persons,
        cast(sum(case when answer_status = 'dont_know' then 1 else 0 end) as bigint) as unknown_answers

    from counts
    group by round_id, population_group, country_code

),

final as (

    select
        per_country.round_id,
        per_country.population_group,
        per_country.country_code,
        coalesce(country_names.country_name, resolved_names.country_name, per_country.country_code) as country_name,
        per_country.persons,
        cast(100 as double) * per_country.persons / nullif(
            sum(per_country.persons) over (partition by per_country.round_id, per_country.population_group), 0
        ) as pct_of_group,
        cast(row_number() over (
            partition by per_country.round_id, per_country.population_group
            order by per_country.persons desc, per_country.country_code asc
        ) as bigint) as rank,
        per_country.unknown_answers

    from per_country
    left join country_names
        on per_country.country_code = country_names.country_code
    left join resolved_names
        on per_country.country_code = resolved_names.country_code

)

select * from final
