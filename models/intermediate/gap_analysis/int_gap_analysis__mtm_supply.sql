{#- Which gap indicators the loaded BMA rounds supply, per round and year, computed from the marts.
    A mart with a year (population_by_year, internal_migration) supplies the years it has persons
    for; a mart without one supplies the years its round covers for that group (the years of
    population_by_year with persons for the international groups, the internal-mobility reference
    year for the internal groups). Only known values count: country `UNK` and zero persons do not.
    The mapping mart -> indicator is the code list seeds/gap_mtm_supply.csv. -#}
with

supply_map as (

    select * from {{ ref('gap_mtm_supply') }}

),

population_by_year as (

    select * from {{ ref('population_by_year') }}

),

population_by_country as (

    select * from {{ ref('population_by_country') }}

),

oblast_population as (

    select * from {{ ref('oblast_population') }}

),

national_population as (

    select * from {{ ref('national_population') }}

),

internal_migration as (

    select * from {{ ref('internal_migration') }}

),

internal_migration_reasons as (

    select * from {{ ref('internal_migration_reasons') }}

),

reason_scores as (

    select * from {{ ref('reason_scores') }}

),

round_years as (

    select
        round_id,
        population_group,
        year

    from population_by_year
    where persons > 0

    union all

    select
        round_id,
        population_group,
        reference_year as year

    from internal_migration
    where persons > 0

),

by_year as (

    select
        'population_by_year' as source_mart,
        round_id,
        population_group,
        year,
        cast(persons as bigint) as persons

    from population_by_year
    where persons > 0

),

by_country as (

    select
        round_id,
        population_group,
        cast(sum(persons) as bigint) as persons

    from population_by_country
    where country_code != 'UNK' and persons > 0
    group by round_id, population_group

),

by_oblast as (

    select
        round_id,
        population_group,
        cast(sum(persons) as bigint) as persons

    from oblast_population
    where oblast_code is not null and persons > 0
    group by round_id, population_group

),

by_nation as (

    select
        round_id,
        population_group,
        cast(persons as bigint) as persons

    from national_population
    where persons > 0

),

by_internal_year as (

    select
        'internal_migration' as source_mart,
        round_id,
        population_group,
        reference_year as year,
        cast(persons as bigint) as persons

    from internal_migration
    where persons > 0

),

by_internal_reason as (

    select
        round_id,
        population_group,
        cast(sum(persons) as bigint) as persons

    from internal_migration_reasons
    where persons > 0
    group by round_id, population_group

),

by_reason_score as (

    select
        round_id,
        population_group,
        cast(null as bigint) as persons

    from reason_scores
    where communities_scoring > 0
    group by round_id, population_group

),

without_year as (

    select
        'population_by_country' as source_mart,
        *
    from by_country
    union all
    select
        'oblast_population' as source_mart,
        *
    from by_oblast
    union all
    select
        'national_population' as source_mart,
        *
    from by_nation
    union all
    select
        'internal_migration_reasons' as source_mart,
        *
    from by_internal_reason
    union all
    select
        'reason_scores' as source_mart,
        *
    from by_reason_score

),

spread_over_years as (

    select
        without_year.source_mart,
        without_year.round_id,
        without_year.population_group,
        round_years.year,
        without_year.persons

    from without_year
    inner join round_years
        on
            without_year.round_id = round_years.round_id
            and without_year.population_group = round_years.population_group

),

supplied as (

    select * from by_year
    union all
    select * from by_internal_year
    union all
    select * from spread_over_years

),

final as (

    select
        supply_map.thematic_area,
        supply_map.indicator_code,
        supplied.year,
        supplied.round_id,
        supply_map.source_mart,
        supply_map.population_group,
        supply_map.status_when_supplied,
        supplied.persons

    from supply_map
    inner join supplied
        on
            supply_map.source_mart = supplied.source_mart
            and supply_map.population_group = supplied.population_group

)

select * from final
