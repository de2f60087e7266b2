{#- Generic tests of the data-gap marts (used in models/marts/data_gaps/_data_gaps__models.yml). -#}

{#- Every indicator of an area has exactly one row per year of its country's mapping (the about
    sheet's first_year..last_year), and every thematic area of the code list has indicators.
    Fails with one row per (country, area, indicator) whose years are not exactly those. -#}
{% test gap_matrix_complete(model, years_model, areas_model) %}

with

matrix as (

    select * from {{ model }}

),

analysis_years as (

    select * from {{ years_model }}

),

areas as (

    select * from {{ areas_model }}

),

per_indicator as (

    select
        matrix.country_code,
        matrix.thematic_area,
        matrix.indicator_code,
        count(*) as year_rows,
        count(distinct matrix.year) as distinct_years,
        min(matrix.year) as first_year,
        max(matrix.year) as last_year

    from matrix
    group by matrix.country_code, matrix.thematic_area, matrix.indicator_code

),

wrong_years as (

    select
        per_indicator.country_code,
        per_indicator.thematic_area,
        per_indicator.indicator_code,
        'years differ from the mapping years' as problem

    from per_indicator
    inner join analysis_years
        on per_indicator.country_code = analysis_years.country_code
    where
        per_indicator.year_rows != analysis_years.last_year - analysis_years.first_year + 1
        or per_indicator.distinct_years != per_indicator.year_rows
        or per_indicator.first_year != analysis_years.first_year
        or per_indicator.last_year != analysis_years.last_year

),

missing_areas as (

    select
        analysis_years.country_code,
        areas.thematic_area,
        cast(null as {{ mtm.string_type() }}) as indicator_code,
        'thematic area without indicators' as problem

    from analysis_years
    cross join areas
    left join per_indicator
        on
            analysis_years.country_code = per_indicator.country_code
            and areas.thematic_area = per_indicator.thematic_area
    where per_indicator.thematic_area is null

),

final as (

    select * from wrong_years
    union all
    select * from missing_areas

)

select * from final

{% endtest %}


{#- The scores are what the matrix says: per (country, area, year) the counts of each status and
    coverage_score = (available + 0.5 * partial) / indicators * 100, recomputed from the matrix.
    Fails with one row per score row that differs (or is missing on either side). -#}
{% test gap_scores_match_matrix(model, matrix_model) %}

with

scores as (

    select * from {{ model }}

),

matrix as (

    select * from {{ matrix_model }}

),

recomputed as (

    select
        country_code,
        thematic_area,
        year,
        count(*) as indicators,
        sum(case when status = 'available' then 1 else 0 end) as available,
        sum(case when status = 'partial' then 1 else 0 end) as partial,
        sum(case when status = 'not_available' then 1 else 0 end) as not_available

    from matrix
    group by country_code, thematic_area, year

),

compared as (

    select
        coalesce(scores.country_code, recomputed.country_code) as country_code,
        coalesce(scores.thematic_area, recomputed.thematic_area) as thematic_area,
        coalesce(scores.year, recomputed.year) as year,
        scores.coverage_score,
        100.0 * (recomputed.available + 0.5 * recomputed.partial) / recomputed.indicators as expected_score

    from scores
    full outer join recomputed
        on
            scores.country_code = recomputed.country_code
            and scores.thematic_area = recomputed.thematic_area
            and scores.year = recomputed.year
    where
        scores.thematic_area is null
        or recomputed.thematic_area is null
        or scores.indicators != recomputed.indicators
        or scores.available != recomputed.available
        or scores.partial != recomputed.partial
        or scores.not_available != recomputed.not_available
        or scores.available + scores.partial + scores.not_available != scores.indicators
        or abs(
            scores.coverage_score
            - 100.0 * (recomputed.available + 0.5 * recomputed.partial) / recomputed.indicators
        ) > 1e-9

),

final as (

    select * from compared

)

select * from final

{% endtest %}


{#- A status taken from the nearest evidence (report silent) must equal the status of that year,
    and that year must rest on evidence itself. Fails with one row per silent row that does not. -#}
{% test gap_silent_status_from_evidence(model) %}

with

matrix as (

    select * from {{ model }}

),

silent as (

    select * from matrix
    where report_silent

),

final as (

    select
        silent.country_code,
        silent.thematic_area,
        silent.indicator_code,
        silent.year,
        silent.status,
        evidence_year.status as nearest_status

    from silent
    left join matrix as evidence_year
        on
            silent.country_code = evidence_year.country_code
            and silent.thematic_area = evidence_year.thematic_area
            and silent.indicator_code = evidence_year.indicator_code
            and silent.nearest_evidence_year = evidence_year.year
    where
        evidence_year.status is null
        or evidence_year.report_silent
        or evidence_year.status != silent.status

)

select * from final

{% endtest %}
