{#- Every load attempt; a small full table (the load log is read whole to find current loads). -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('kobo', 'load_log') }}

),

typed as (

    select
        load_id,
        cast(attempted_at as timestamp) as attempted_at,
        cast(round_id as integer) as round_id,
        {{ clean_code('form') }} as form,
        file_name,
        file_sha256,
        {{ clean_code('status') }} as load_status,
        message,
        superseded_load_id

    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by round_id, form, load_status
            order by attempted_at desc, load_id desc
        ) as recency_rank

    from typed

),

final as (

    select
        load_id,
        attempted_at,
        round_id,
        form,
        file_name,
        file_sha256,
        load_status,
        message,
        superseded_load_id,
        coalesce(load_status = 'loaded' and recency_rank = 1, false) as is_current

    from ranked

)

select * from final
