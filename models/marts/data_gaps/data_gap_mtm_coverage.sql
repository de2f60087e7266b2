{#- For each indicator and year of the gap analysis of the MTM country (var `mtm_country_code`,
    default KGZ), whether the loaded BMA rounds supply it (int_gap_analysis__mtm_supply, computed
    from the marts), and the status once MTM is counted: the better of the published status and the
    status the BMA gives the indicator. Years the rounds supply outside the analysis years
    (e.g. 2024) are kept, with `in_gap_analysis` false and no published status. -#}
with

matrix as (

    select * from {{ ref('data_gap_matrix') }}
    where country_code = '{{ var("mtm_country_code", "KGZ") }}'

),

supply as (

    select * from {{ ref('int_gap_analysis__mtm_supply') }}

),

statuses as (

    select * from {{ ref('gap_statuses') }}

),

ranked_supply as (

    select
        supply.*,
        statuses.score_weight as supplied_weight,
        row_number() over (
            partition by supply.thematic_area, supply.indicator_code, supply.year
            order by supply.round_id desc, statuses.score_weight desc, supply.source_mart asc
        ) as recency_rank

    from supply
    inner join statuses
        on supply.status_when_supplied = statuses.status

),

supply_per_year as (

    select
        thematic_area,
        indicator_code,
        year,
        cast(count(distinct round_id) as integer) as mtm_rounds,
        max(round_id) as mtm_latest_round_id,
        max(supplied_weight) as supplied_weight

    from ranked_supply
    group by thematic_area, indicator_code, year

),

latest_supply as (

    select * from ranked_supply
    where recency_rank = 1

),

combined as (

    select
        '{{ var("mtm_country_code", "KGZ") }}' as country_code,
        coalesce(matrix.thematic_area, supply_per_year.thematic_area) as thematic_area,
        coalesce(matrix.indicator_code, supply_per_year.indicator_code) as indicator_code,
        coalesce(matrix.year, supply_per_year.year) as year,
        matrix.year is not null as in_gap_analysis,
        matrix.status as status_published,
        published_statuses.score_weight as published_weight,
        supply_per_year.thematic_area is not null as mtm_supplied,
        supply_per_year.mtm_rounds,
        supply_per_year.mtm_latest_round_id,
        supply_per_year.supplied_weight

    from matrix
    full outer join supply_per_year
        on
            matrix.thematic_area = supply_per_year.thematic_area
            and matrix.indicator_code = supply_per_year.indicator_code
            and matrix.year = supply_per_year.year
    left join statuses as published_statuses
        on matrix.status = published_statuses.status

),

final as (

    select
        combined.country_code,
        combined.thematic_area,
        combined.indicator_code,
        {{ split_nth('combined.indicator_code', '_', 1) }} as measure,
        substring(combined.indicator_code, length({{ split_nth('combined.indicator_code', '_', 1) }}) + 2)
            as breakdown,
        combined.year,
        combined.in_gap_analysis,
        combined.status_published,
        combined.mtm_supplied,
        mtm_statuses.status as mtm_status,
        case
            when combined.status_published is null then mtm_statuses.status
            when combined.mtm_supplied and combined.supplied_weight > combined.published_weight
                then mtm_statuses.status
            else combined.status_published
        end as status_with_mtm,
        coalesce(combined.mtm_rounds, 0) as mtm_rounds,
        combined.mtm_latest_round_id,
        latest_supply.source_mart as mtm_source_mart,
        latest_supply.population_group as mtm_population_group,
        latest_supply.persons as mtm_persons

    from combined
    left join statuses as mtm_statuses
        on combined.supplied_weight = mtm_statuses.score_weight
    left join latest_supply
        on
            combined.thematic_area = latest_supply.thematic_area
            and combined.indicator_code = latest_supply.indicator_code
            and combined.year = latest_supply.year

)

select * from final
