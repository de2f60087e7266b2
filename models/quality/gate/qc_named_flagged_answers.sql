{#- Flagged answers (marts.flagged_answers) of valid submissions with the community's name: what the
    warnings out_of_range_answers and unknown_answers list. -#}
with

flagged_answers as (

    select * from {{ ref('flagged_answers') }}
    where submission_status = 'valid'

),

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where is_valid

),

final as (

    select
        flagged_answers.round_id,
        flagged_answers.community_id,
        submissions.community_name,
        flagged_answers.rayon_code,
        flagged_answers.sheet_name,
        flagged_answers.source_row,
        flagged_answers.field_name as field,
        flagged_answers.answer_raw as answer,
        flagged_answers.answer_status as status

    from flagged_answers
    left join submissions
        on
            flagged_answers.round_id = submissions.round_id
            and flagged_answers.community_id = submissions.community_id

)

select * from final
