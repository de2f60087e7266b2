{#- B2 submissions per round and status (valid, superseded, rejected, unidentified), for the
    quality report's load summary. -#}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}

),

final as (

    select
        round_id,
        submission_status,
        count(*) as submissions

    from submissions
    group by round_id, submission_status

)

select * from final
