with

counts as (

    select * from {{ ref('int_b2__country_year_counts') }}
    where
        country_resolution not in ('choice', 'other: exact', 'other: fuzzy', 'other: token')
        and {{ in_rounds_to_rebuild('round_id') }}

),

per_answer as (

    select
        round_id,
        sheet_name,
        source_row,
        community_id,
        rayon_code,
        submission_status,
        population_group,
        country_choice,
        country_other,
        country_resolution,
        cast(coalesce(sum(persons), 0) as bigint) as persons

    from counts
    group by
        round_id,
        sheet_name,
        source_row,
        community_id,
        rayon_code,
        submission_status,
        population_group,
        country_choice,
        country_other,
        country_resolution

),

final as (

    select * from per_answer

)

select * from final
