with

flagged as (

    select * from {{ ref('int_quality__flagged_answers') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        load_id,
        round_id,
        file_name,
        sheet_name,
        source_row,
        field_name,
        answer_raw,
        answer_status,
        community_id,
        rayon_code,
        submission_status

    from flagged

)

select * from final
