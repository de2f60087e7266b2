{#- Coverage per thematic area and year of the MTM country's gap analysis, without and with the
    indicators the loaded BMA rounds supply (data_gap_mtm_coverage), scored like data_gap_scores. -#}
with

coverage as (

    select * from {{ ref('data_gap_mtm_coverage') }}
    where in_gap_analysis

),

statuses as (

    select * from {{ ref('gap_statuses') }}

),

final as (

    select
        coverage.country_code,
        coverage.thematic_area,
        coverage.year,
        cast(count(*) as integer) as indicators,
        cast(sum(case when coverage.mtm_supplied then 1 else 0 end) as integer) as indicators_supplied_by_mtm,
        cast(sum(case when coverage.status_with_mtm != coverage.status_published then 1 else 0 end) as integer)
            as indicators_improved_by_mtm,
        cast(sum(case when coverage.status_with_mtm = 'available' then 1 else 0 end) as integer)
            as available_with_mtm,
        cast(sum(case when coverage.status_with_mtm = 'partial' then 1 else 0 end) as integer)
            as partial_with_mtm,
        cast(sum(case when coverage.status_with_mtm = 'not_available' then 1 else 0 end) as integer)
            as not_available_with_mtm,
        cast(100 as double) * sum(published.score_weight) / count(*) as coverage_score,
        cast(100 as double) * sum(with_mtm.score_weight) / count(*) as coverage_score_with_mtm

    from coverage
    inner join statuses as published
        on coverage.status_published = published.status
    inner join statuses as with_mtm
        on coverage.status_with_mtm = with_mtm.status
    group by coverage.country_code, coverage.thematic_area, coverage.year

)

select * from final
