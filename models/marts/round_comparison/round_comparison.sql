{#- Revisions between consecutive rounds: for every community of the panel (stayed, entered or
    left), each population group and each calendar year that both rounds report, the figure as
    reported in the earlier round and in the later one. A community assessed in a round but
    reporting nobody for that year counts 0; a community not assessed in a round has no figure
    (null) for it. -#}
with

panel as (

    select * from {{ ref('round_panel') }}

),

round_years as (

    select * from {{ ref('int_round_comparison__round_years') }}

),

pairs as (

    select * from {{ ref('int_round_comparison__round_pairs') }}
    where {{ in_rounds_to_rebuild('round_id', 'pair') }}

),

compared_rounds as (

    select round_id from pairs
    union
    select previous_round_id from pairs

),

figures as (

    -- the figures of the pairs' rounds only: in an incremental build two rounds, not the history
    select * from {{ ref('int_round_comparison__community_figures') }}
    where round_id in (select compared_rounds.round_id from compared_rounds)

),

shared_years as (

    select
        pairs.round_id,
        pairs.previous_round_id,
        this_years.population_group,
        this_years.year,
        earlier_years.is_partial_year as was_partial_in_previous_round

    from pairs
    inner join round_years as this_years
        on pairs.round_id = this_years.round_id
    inner join round_years as earlier_years
        on
            pairs.previous_round_id = earlier_years.round_id
            and this_years.population_group = earlier_years.population_group
            and this_years.year = earlier_years.year

),

grid as (

    select
        panel.round_id,
        panel.previous_round_id,
        panel.community_id,
        panel.rayon_code,
        panel.oblast_code,
        panel.panel_status,
        panel.in_previous_round,
        panel.in_this_round,
        shared_years.population_group,
        shared_years.year,
        shared_years.was_partial_in_previous_round

    from panel
    inner join shared_years
        on panel.round_id = shared_years.round_id

),

compared as (

    select
        grid.round_id,
        grid.previous_round_id,
        grid.community_id,
        grid.rayon_code,
        grid.oblast_code,
        grid.population_group,
        grid.year,
        grid.panel_status,
        grid.was_partial_in_previous_round,
        case when grid.in_previous_round then coalesce(earlier.persons, 0) end as persons_previous_round,
        case when grid.in_this_round then coalesce(latest.persons, 0) end as persons_this_round,
        case when grid.in_previous_round then coalesce(earlier.unknown_answers, 0) end
            as unknown_answers_previous_round,
        case when grid.in_this_round then coalesce(latest.unknown_answers, 0) end
            as unknown_answers_this_round

    from grid
    left join figures as earlier
        on
            grid.previous_round_id = earlier.round_id
            and grid.community_id = earlier.community_id
            and grid.population_group = earlier.population_group
            and grid.year = earlier.year
    left join figures as latest
        on
            grid.round_id = latest.round_id
            and grid.community_id = latest.community_id
            and grid.population_group = latest.population_group
            and grid.year = latest.year

),

final as (

    select
        cast(round_id as integer) as round_id,
        cast(previous_round_id as integer) as previous_round_id,
        community_id,
        rayon_code,
        oblast_code,
        population_group,
        cast(year as integer) as year,
        panel_status,
        was_partial_in_previous_round,
        cast(persons_previous_round as bigint) as persons_previous_round,
        cast(persons_this_round as bigint) as persons_this_round,
        cast(persons_this_round - persons_previous_round as bigint) as revision,
        cast(
            case
                when persons_previous_round > 0
                    then cast(100 as double) * (persons_this_round - persons_previous_round) / persons_previous_round
            end as double
        ) as pct_revision,
        cast(unknown_answers_previous_round as integer) as unknown_answers_previous_round,
        cast(unknown_answers_this_round as integer) as unknown_answers_this_round

    from compared

)

select * from final
