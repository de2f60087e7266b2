{#- Warning unresolved_country_names: free-text 'other' countries of valid submissions that no
    country list resolved (counted under UNK). -#}
with

unresolved_countries as (

    select * from {{ ref('unresolved_countries') }}
    where submission_status = 'valid' and country_choice = 'other'

),

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where is_valid

),

final as (

    select
        unresolved_countries.round_id,
        unresolved_countries.community_id,
        submissions.community_name,
        unresolved_countries.rayon_code,
        unresolved_countries.sheet_name,
        unresolved_countries.source_row,
        unresolved_countries.population_group,
        unresolved_countries.country_choice,
        unresolved_countries.country_other,
        unresolved_countries.country_resolution,
        unresolved_countries.persons

    from unresolved_countries
    left join submissions
        on
            unresolved_countries.round_id = submissions.round_id
            and unresolved_countries.community_id = submissions.community_id

)

select * from final
