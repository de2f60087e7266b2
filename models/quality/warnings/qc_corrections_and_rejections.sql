{#- Warning corrections_and_rejections: B2 submissions not counted (superseded by a later
    correction, rejected, or unidentified), kept in the warehouse. -#}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where submission_status != 'valid'

),

final as (

    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        submission_status,
        submission_id,
        submitted_at,
        validation_status,
        file_name,
        sheet_name,
        source_row

    from submissions

)

select * from final
