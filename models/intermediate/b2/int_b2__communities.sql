{#- One row per round and community: the valid submission's facts, with oblast and rayon from the
    code lists and the number of its key informants. -#}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

key_informants as (

    select * from {{ ref('stg_kobo__b2_ki') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

oblasts as (

    select * from {{ ref('oblasts') }}

),

rayons as (

    select * from {{ ref('rayons') }}

),

informants_per_submission as (

    select
        load_id,
        parent_index,
        count(*) as key_informants

    from key_informants
    group by load_id, parent_index

),

final as (

    select
        submissions.round_id,
        submissions.community_id,
        submissions.community_name,
        submissions.settlement_type,
        submissions.rayon_code,
        rayons.rayon_name,
        submissions.oblast_choice,
        oblasts.oblast_code,
        oblasts.oblast_name,
        submissions.households,
        submissions.households_status,
        coalesce(informants_per_submission.key_informants, 0) as key_informants,
        submissions.imw_present,
        submissions.ret_present,
        submissions.emi_present,
        submissions.int_in_present,
        submissions.int_out_present,
        submissions.load_id,
        submissions.submission_index,
        submissions.source_row,
        submissions.submission_id,
        submissions.submitted_at

    from submissions
    left join oblasts
        on submissions.oblast_choice = oblasts.oblast_choice
    left join rayons
        on submissions.rayon_code = rayons.rayon_code
    left join informants_per_submission
        on
            submissions.load_id = informants_per_submission.load_id
            and submissions.submission_index = informants_per_submission.parent_index

)

select * from final
