{#- Which B2 submission counts: per round and community, the latest `_submission_time` among those
    not `validation_status_not_approved` (ties: the higher `_id`). The others are kept, marked
    `superseded` or `rejected`; a row without a community code is `unidentified`. -#}
with

main_rows as (

    select * from {{ ref('stg_kobo__b2_main') }}

),

eligible as (

    select
        load_id,
        source_row,
        row_number() over (
            partition by round_id, community_id
            order by submitted_at desc nulls last, submission_id desc nulls last, source_row desc
        ) as recency_rank

    from main_rows
    where
        community_id is not null
        and coalesce(validation_status, '') != 'validation_status_not_approved'

),

final as (

    select
        main_rows.*,
        case
            when main_rows.community_id is null then 'unidentified'
            when eligible.recency_rank = 1 then 'valid'
            when eligible.recency_rank > 1 then 'superseded'
            else 'rejected'
        end as submission_status,
        coalesce(eligible.recency_rank = 1, false) as is_valid

    from main_rows
    left join eligible
        on
            main_rows.load_id = eligible.load_id
            and main_rows.source_row = eligible.source_row

)

select * from final
