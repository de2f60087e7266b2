{#- Warning orphan_repeat_rows: repeat rows whose `_parent_index` matches no main-sheet row
    (quarantined by marts.quarantined_repeat_rows, never counted). -#}
with

quarantined_repeat_rows as (

    select * from {{ ref('quarantined_repeat_rows') }}

),

final as (

    select
        round_id,
        cast(null as {{ string_type() }}) as community_id,
        file_name,
        sheet_name,
        source_row,
        parent_index,
        quarantine_reason

    from quarantined_repeat_rows

)

select * from final
