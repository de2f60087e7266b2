{#- Warning stay_duration_vs_nationality: valid submissions whose stay-duration answers (all usable)
    do not add up to the international migrant workers counted by nationality. -#}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where is_valid

),

community_population as (

    select * from {{ ref('community_population') }}
    where population_group = 'international_migrant_workers'

),

compared as (

    select
        submissions.round_id,
        submissions.community_id,
        submissions.community_name,
        submissions.rayon_code,
        coalesce(community_population.persons, 0) as persons_by_nationality,
        submissions.imw_stay_short_raw as stay_short,
        submissions.imw_stay_long_raw as stay_long,
        submissions.imw_stay_unknown_raw as stay_unknown,
        coalesce(submissions.imw_stay_short, 0)
        + coalesce(submissions.imw_stay_long, 0)
        + coalesce(submissions.imw_stay_unknown, 0) as persons_by_stay

    from submissions
    left join community_population
        on
            submissions.round_id = community_population.round_id
            and submissions.community_id = community_population.community_id
    where
        coalesce(submissions.imw_stay_short_status, 'missing') in ('valid', 'missing')
        and coalesce(submissions.imw_stay_long_status, 'missing') in ('valid', 'missing')
        and coalesce(submissions.imw_stay_unknown_status, 'missing') in ('valid', 'missing')

),

final as (

    select * from compared
    where persons_by_stay != persons_by_nationality

)

select * from final
