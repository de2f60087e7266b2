with

about_rows as (

    {{ gap_raw_rows('gap_about', ['field', 'value']) }}

),

loads as (

    select * from {{ ref('stg_gap_analysis__loads') }}
    where is_current

),

final as (

    select
        loads.country_code,
        {{ clean_code('about_rows.field') }} as field,
        {{ clean_text('about_rows.value') }} as field_value,
        about_rows._load_id as load_id,
        cast(about_rows._source_row as integer) as source_row

    from about_rows
    inner join loads
        on about_rows._load_id = loads.load_id

)

select * from final
