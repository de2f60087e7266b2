with

sources as (

    select * from {{ ref('stg_gap_analysis__sources') }}

),

source_links as (

    select * from {{ ref('int_gap_analysis__source_links') }}

),

citations as (

    select
        country_code,
        thematic_area,
        source_id,
        count(*) as indicator_years_cited,
        min(year) as first_year_cited,
        max(year) as last_year_cited

    from source_links
    group by country_code, thematic_area, source_id

),

final as (

    select
        sources.country_code,
        sources.thematic_area,
        sources.source_id,
        sources.source_label,
        sources.authors,
        sources.institution,
        sources.title,
        sources.link,
        sources.data_source_type,
        sources.frequency,
        sources.publicly_available,
        sources.breakdowns,
        sources.definition_used,
        sources.source_language,
        sources.year_from,
        sources.year_to,
        sources.published_year,
        cast(coalesce(citations.indicator_years_cited, 0) as integer) as indicator_years_cited,
        citations.first_year_cited,
        citations.last_year_cited

    from sources
    left join citations
        on
            sources.country_code = citations.country_code
            and sources.thematic_area = citations.thematic_area
            and sources.source_id = citations.source_id

)

select * from final
