with

orphans as (

    select * from {{ ref('stg_kobo__orphan_repeat_rows') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        load_id,
        round_id,
        file_name,
        sheet_name,
        source_row,
        row_index,
        parent_index_raw as parent_index,
        quarantine_reason

    from orphans

)

select * from final
