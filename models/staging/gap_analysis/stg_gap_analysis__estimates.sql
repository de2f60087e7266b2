with

estimate_rows as (

    {{ gap_raw_rows('gap_estimates', [
        'estimate_id', 'concept', 'country_code', 'subgroup', 'reference_year', 'reference_period',
        'value', 'unit', 'source_id', 'definition', 'evidence'
    ]) }}

),

loads as (

    select * from {{ ref('stg_gap_analysis__loads') }}
    where is_current

),

final as (

    select
        loads.country_code,
        {{ clean_text('estimate_rows.estimate_id') }} as estimate_id,
        {{ clean_code('estimate_rows.concept') }} as concept,
        nullif(upper(trim(estimate_rows.country_code)), '') as partner_country_code,
        coalesce({{ clean_text('estimate_rows.subgroup') }}, 'total') as subgroup,
        cast({{ parse_whole_number('estimate_rows.reference_year') }} as integer) as reference_year,
        {{ clean_text('estimate_rows.reference_period') }} as reference_period,
        {{ safe_cast('trim(estimate_rows.value)', 'double') }} as estimate_value,
        {{ clean_code('estimate_rows.unit') }} as unit,
        {{ clean_text('estimate_rows.source_id') }} as source_id,
        {{ clean_text('estimate_rows.definition') }} as definition,
        {{ clean_text('estimate_rows.evidence') }} as evidence,
        estimate_rows._load_id as load_id,
        cast(estimate_rows._source_row as integer) as source_row

    from estimate_rows
    inner join loads
        on estimate_rows._load_id = loads.load_id

)

select * from final
