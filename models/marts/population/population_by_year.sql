with

counts as (

    select * from {{ ref('int_b2__country_year_counts') }}
    where
        is_counted
        and {{ in_rounds_to_rebuild('round_id') }}

),

round_years as (

    select * from {{ ref('int_rounds__b2_years') }}

),

groups as (

    select * from {{ ref('population_groups') }}
    where is_international

),

assessed_rounds as (

    select distinct round_id
    from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

grid as (

    select
        round_years.round_id,
        groups.population_group,
        round_years.year,
        round_years.is_partial_year

    from round_years
    inner join assessed_rounds
        on round_years.round_id = assessed_rounds.round_id
    cross join groups

),

per_year as (

    select
        round_id,
        population_group,
        year,
        cast(coalesce(sum(persons), 0) as bigint) as persons,
        cast(sum(case when answer_status = 'dont_know' then 1 else 0 end) as bigint) as unknown_answers

    from counts
    group by round_id, population_group, year

),

joined as (

    select
        grid.round_id,
        grid.population_group,
        grid.year,
        coalesce(per_year.persons, 0) as persons,
        coalesce(per_year.unknown_answers, 0) as unknown_answers,
        grid.is_partial_year

    from grid
    left join per_year
        on
            grid.round_id = per_year.round_id
            and grid.population_group = per_year.population_group
            and grid.year = per_year.year

),

final as (

    select
        round_id,
        population_group,
        year,
        persons,
        cast(100 as double) * (
            persons - lag(persons) over (partition by round_id, population_group order by year)
        ) / nullif(lag(persons) over (partition by round_id, population_group order by year), 0)
            as pct_change_from_previous_year,
        is_partial_year,
        unknown_answers

    from joined

)

select * from final
