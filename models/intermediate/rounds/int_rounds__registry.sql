{#- One row per B2 round of the registry, with its internal-mobility reference year and its
    collection year (the last reference year). -#}
with

registry as (

    select * from {{ ref('rounds') }}
    where form = 'b2'

),

years as (

    select * from {{ ref('int_rounds__b2_years') }}

),

collection as (

    select
        round_id,
        max(year) as collection_year,
        min(year) as first_year

    from years
    group by round_id

),

final as (

    select
        registry.round as round_id,
        registry.version as form_version,
        registry.internal_reference_year,
        registry.collection_period,
        collection.first_year,
        collection.collection_year

    from registry
    left join collection
        on registry.round = collection.round_id

)

select * from final
