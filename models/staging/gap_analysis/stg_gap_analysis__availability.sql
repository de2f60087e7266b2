with

availability_rows as (

    {{ gap_raw_rows('gap_availability', [
        'measure', 'breakdown', 'year', 'status', 'report_silent', 'nearest_evidence_year',
        'evidence', 'source_ids', 'note'
    ]) }}

),

loads as (

    select * from {{ ref('stg_gap_analysis__loads') }}
    where is_current

),

cleaned as (

    select
        loads.country_code,
        {{ clean_code('availability_rows._sheet_name') }} as thematic_area,
        {{ clean_code('availability_rows.measure') }} as measure,
        {{ clean_code('availability_rows.breakdown') }} as breakdown,
        cast({{ parse_whole_number('availability_rows.year') }} as integer) as year,
        {{ clean_code('availability_rows.status') }} as status,
        coalesce({{ clean_code('availability_rows.report_silent') }} = 'yes', false) as report_silent,
        cast({{ parse_whole_number('availability_rows.nearest_evidence_year') }} as integer)
            as nearest_evidence_year,
        {{ clean_text('availability_rows.evidence') }} as evidence,
        {{ clean_text('availability_rows.source_ids') }} as source_ids,
        {{ clean_text('availability_rows.note') }} as note,
        availability_rows._load_id as load_id,
        cast(availability_rows._source_row as integer) as source_row

    from availability_rows
    inner join loads
        on availability_rows._load_id = loads.load_id

),

final as (

    select
        country_code,
        thematic_area,
        measure,
        breakdown,
        year,
        status,
        report_silent,
        nearest_evidence_year,
        evidence,
        source_ids,
        note,
        load_id,
        source_row,
        measure || '_' || breakdown as indicator_code

    from cleaned

)

select * from final
