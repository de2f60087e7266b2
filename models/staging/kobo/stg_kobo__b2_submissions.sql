{#- Which B2 submission counts: per round and community, the latest `_submission_time` among those
    not `validation_status_not_approved` (ties: the higher `_id`; macros/cleaning/submission_choice.sql).
    The others are kept, marked `superseded` or `rejected`; a row without a community code is
    `unidentified`. -#}
with

main_rows as (

    select * from {{ ref('stg_kobo__b2_main') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

eligible as (

    {{ ranked_submissions('main_rows', 'community_id') }}

),

final as (

    select
        main_rows.*,
        {{ submission_status_columns('main_rows.community_id', 'eligible.recency_rank') }}

    from main_rows
    left join eligible
        on
            main_rows.load_id = eligible.load_id
            and main_rows.source_row = eligible.source_row

)

select * from final
