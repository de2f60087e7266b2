{#- Quarantine: repeat rows whose `_parent_index` matches no main-sheet row of the same load.
    Kept with the reason, never counted. -#}
{%- set sheets = [
    'stg_kobo__b2_ki',
    'stg_kobo__b2_imw_nat',
    'stg_kobo__b2_ret_cty',
    'stg_kobo__b2_emi_cty',
    'stg_kobo__b2_int_in_origin',
    'stg_kobo__b2_int_out_dest',
    'stg_kobo__b1_villages',
] -%}

with

{% for sheet in sheets %}
{{ sheet | replace('stg_kobo__', '') }} as (

    select
        '{{ sheet }}' as staging_model,
        load_id,
        round_id,
        file_name,
        sheet_name,
        source_row,
        row_index,
        parent_index_raw

    from {{ ref(sheet) }}
    where
        submission_status = 'orphan'
        and {{ in_rounds_to_rebuild('round_id') }}

),
{% endfor %}

unioned as (

    {% for sheet in sheets -%}
    select * from {{ sheet | replace('stg_kobo__', '') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        *,
        case
            when parent_index_raw is null then 'orphan: no _parent_index'
            else 'orphan: _parent_index ' || parent_index_raw || ' matches no main-sheet _index of load ' || load_id
        end as quarantine_reason

    from unioned

)

select * from final
