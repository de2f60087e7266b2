{#- Blocking check shares_add_to_100: one row per group of percentages that must add up to 100,
    where the group's denominator is not zero. -#}
with

rayons as (

    select * from {{ ref('rayon_population') }}

),

oblasts as (

    select * from {{ ref('oblast_population') }}

),

countries as (

    select * from {{ ref('population_by_country') }}

),

durations as (

    select * from {{ ref('imw_stay_duration') }}

),

internal_reasons as (

    select * from {{ ref('internal_migration_reasons') }}

),

informants as (

    select * from {{ ref('key_informants') }}

),

services as (

    select * from {{ ref('service_availability') }}

),

rayon_shares as (

    select
        round_id,
        'rayon_population' as table_name,
        population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct_of_national' as share_column,
        sum(pct_of_national) as pct_total,
        count(*) as rows_in_group,
        sum(persons) as denominator

    from rayons
    group by round_id, population_group

),

oblast_shares as (

    select
        round_id,
        'oblast_population' as table_name,
        population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct_of_national' as share_column,
        sum(pct_of_national) as pct_total,
        count(*) as rows_in_group,
        sum(persons) as denominator

    from oblasts
    group by round_id, population_group

),

country_shares as (

    select
        round_id,
        'population_by_country' as table_name,
        population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct_of_group' as share_column,
        sum(pct_of_group) as pct_total,
        count(*) as rows_in_group,
        sum(persons) as denominator

    from countries
    group by round_id, population_group

),

duration_shares as (

    select
        round_id,
        'imw_stay_duration' as table_name,
        'international_migrant_workers' as population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct' as share_column,
        sum(pct) as pct_total,
        count(*) as rows_in_group,
        sum(persons) as denominator

    from durations
    group by round_id

),

reason_shares as (

    select
        round_id,
        'internal_migration_reasons' as table_name,
        population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct' as share_column,
        sum(pct) as pct_total,
        count(*) as rows_in_group,
        sum(persons) as denominator

    from internal_reasons
    group by round_id, population_group

),

informant_shares as (

    select
        round_id,
        'key_informants' as table_name,
        cast(null as {{ string_type() }}) as population_group,
        cast(null as {{ string_type() }}) as group_key,
        'pct' as share_column,
        sum(pct) as pct_total,
        count(*) as rows_in_group,
        sum(informants) as denominator

    from informants
    group by round_id

),

service_shares as (

    select
        round_id,
        'service_availability' as table_name,
        cast(null as {{ string_type() }}) as population_group,
        service_code as group_key,
        'pct_with + pct_without' as share_column,
        pct_with + pct_without as pct_total,
        1 as rows_in_group,
        communities_with + communities_without as denominator

    from services

),

all_shares as (

    select * from rayon_shares
    union all
    select * from oblast_shares
    union all
    select * from country_shares
    union all
    select * from duration_shares
    union all
    select * from reason_shares
    union all
    select * from informant_shares
    union all
    select * from service_shares

),

final as (

    select
        round_id,
        table_name,
        population_group,
        group_key,
        share_column,
        cast(pct_total as double) as pct_total,
        cast(rows_in_group as bigint) as rows_in_group,
        cast(denominator as double) as denominator

    from all_shares
    where denominator > 0

)

select * from final
