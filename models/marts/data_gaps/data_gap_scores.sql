{#- Coverage per thematic area and year, ODIN-style: each indicator earns the weight of its status
    (seeds/gap_statuses.csv: available 1, partial 0.5, not_available 0), as a percentage of the
    indicators. -#}
with

matrix as (

    select * from {{ ref('data_gap_matrix') }}

),

statuses as (

    select * from {{ ref('gap_statuses') }}

),

final as (

    select
        matrix.country_code,
        matrix.thematic_area,
        matrix.year,
        cast(count(*) as integer) as indicators,
        cast(sum(case when matrix.status = 'available' then 1 else 0 end) as integer) as available,
        cast(sum(case when matrix.status = 'partial' then 1 else 0 end) as integer) as partial,
        cast(sum(case when matrix.status = 'not_available' then 1 else 0 end) as integer) as not_available,
        cast(sum(case when matrix.report_silent then 1 else 0 end) as integer) as report_silent_indicators,
        cast(100 as double) * sum(statuses.score_weight) / count(*) as coverage_score

    from matrix
    inner join statuses
        on matrix.status = statuses.status
    group by matrix.country_code, matrix.thematic_area, matrix.year

)

select * from final
