with

availability as (

    select * from {{ ref('stg_gap_analysis__availability') }}

),

source_links as (

    select * from {{ ref('int_gap_analysis__source_links') }}

),

areas as (

    select * from {{ ref('gap_thematic_areas') }}

),

breakdowns as (

    select * from {{ ref('gap_breakdowns') }}

),

source_counts as (

    select
        country_code,
        thematic_area,
        indicator_code,
        year,
        count(*) as source_count

    from source_links
    group by country_code, thematic_area, indicator_code, year

),

final as (

    select
        availability.country_code,
        availability.thematic_area,
        areas.area_label,
        availability.indicator_code,
        availability.measure,
        availability.breakdown,
        breakdowns.breakdown_label,
        availability.year,
        availability.status,
        cast(coalesce(source_counts.source_count, 0) as integer) as source_count,
        availability.report_silent,
        availability.nearest_evidence_year,
        availability.evidence,
        availability.source_ids,
        availability.note

    from availability
    left join source_counts
        on
            availability.country_code = source_counts.country_code
            and availability.thematic_area = source_counts.thematic_area
            and availability.indicator_code = source_counts.indicator_code
            and availability.year = source_counts.year
    left join areas
        on availability.thematic_area = areas.thematic_area
    left join breakdowns
        on availability.breakdown = breakdowns.breakdown

)

select * from final
