{#- The calendar years each round reports for each population group: every reference year for the
    international groups (per-year fields), the internal-mobility reference year for the internal
    groups. Two rounds can be compared on the years they share. -#}
with

groups as (

    select * from {{ ref('population_groups') }}

),

b2_years as (

    select * from {{ ref('int_rounds__b2_years') }}

),

registry as (

    select * from {{ ref('int_rounds__registry') }}

),

international as (

    select
        b2_years.round_id,
        groups.population_group,
        b2_years.year,
        b2_years.is_partial_year

    from b2_years
    cross join groups
    where groups.is_international

),

internal as (

    select
        registry.round_id,
        groups.population_group,
        registry.internal_reference_year as year,
        false as is_partial_year

    from registry
    cross join groups
    where
        not groups.is_international
        and registry.internal_reference_year is not null

),

unioned as (

    select * from international
    union all
    select * from internal

),

final as (

    select
        cast(round_id as integer) as round_id,
        population_group,
        cast(year as integer) as year,
        is_partial_year

    from unioned

)

select * from final
