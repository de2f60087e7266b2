{#- The years each country's mapping covers (about sheet: first_year..last_year). -#}
with

about as (

    select * from {{ ref('stg_gap_analysis__about') }}

),

final as (

    select
        country_code,
        max(case when field = 'country_name' then field_value end) as country_name,
        max(case when field = 'first_year' then cast({{ parse_whole_number('field_value') }} as integer) end)
            as first_year,
        max(case when field = 'last_year' then cast({{ parse_whole_number('field_value') }} as integer) end)
            as last_year

    from about
    group by country_code

)

select * from final
