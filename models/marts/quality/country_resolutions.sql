{#- Grain: the free text, not the round: a full table. -#}
{{ config(materialized='table') }}

with

resolutions as (

    select * from {{ ref('int_geo__other_country_resolutions') }}

),

final as (

    select
        country_other,
        country_code,
        country_name,
        resolution_method

    from resolutions

)

select * from final
