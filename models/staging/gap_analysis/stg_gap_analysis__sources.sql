with

source_rows as (

    {{ gap_raw_rows('gap_sources', [
        'source_id', 'year_from', 'year_to', 'source', 'authors', 'institution', 'title', 'link',
        'data_source_type', 'frequency', 'publicly_available', 'breakdowns', 'definition_used',
        'language', 'published'
    ]) }}

),

loads as (

    select * from {{ ref('stg_gap_analysis__loads') }}
    where is_current

),

final as (

    select
        loads.country_code,
        {{ clean_code('source_rows._sheet_name') }} as thematic_area,
        {{ clean_text('source_rows.source_id') }} as source_id,
        {{ clean_text('source_rows.source') }} as source_label,
        {{ clean_text('source_rows.authors') }} as authors,
        {{ clean_text('source_rows.institution') }} as institution,
        {{ clean_text('source_rows.title') }} as title,
        {{ clean_text('source_rows.link') }} as link,
        {{ clean_code('source_rows.data_source_type') }} as data_source_type,
        {{ clean_text('source_rows.frequency') }} as frequency,
        {{ clean_code('source_rows.publicly_available') }} as publicly_available,
        {{ clean_text('source_rows.breakdowns') }} as breakdowns,
        {{ clean_text('source_rows.definition_used') }} as definition_used,
        {{ clean_text('source_rows.language') }} as source_language,
        cast({{ parse_whole_number('source_rows.year_from') }} as integer) as year_from,
        cast({{ parse_whole_number('source_rows.year_to') }} as integer) as year_to,
        cast({{ parse_whole_number('source_rows.published') }} as integer) as published_year,
        source_rows._load_id as load_id,
        cast(source_rows._source_row as integer) as source_row

    from source_rows
    inner join loads
        on source_rows._load_id = loads.load_id

)

select * from final
