{#- The body of a staging model for a Kobo repeat sheet: rows of the current load only, lineage,
    `_index` / `_parent_index` parsed, and the parent submission attached through
    `_parent_index` = the main sheet's `_index` of the same load. A row whose parent is missing gets
    `submission_status` = 'orphan' (listed by stg_kobo__orphan_repeat_rows, never counted).

    fields: the select expressions of the sheet's own columns, as SQL text. -#}
{% macro repeat_sheet_model(source_relation, parent_model, fields, parent_columns) -%}
{%- set cols = mtm.relation_column_names(source_relation) -%}
with

parents as (

    select * from {{ ref(parent_model) }}
    where {{ mtm.in_rounds_to_rebuild('round_id') }}

),

current_rows as (

    {{ mtm.current_load_rows(source_relation) }}

),

renamed as (

    select
        {{ mtm.lineage_columns() }},
        {{ mtm.parse_whole_number(mtm.column_or_null(cols, '_index')) }} as row_index,
        {{ mtm.parse_whole_number(mtm.column_or_null(cols, '_parent_index')) }} as parent_index,
        {{ mtm.clean_text(mtm.column_or_null(cols, '_parent_index')) }} as parent_index_raw,
        {{ fields }}

    from current_rows

),

final as (

    select
        renamed.*,
        {% for column in parent_columns -%}
        parents.{{ column }},
        {% endfor -%}
        coalesce(parents.submission_status, 'orphan') as submission_status,
        coalesce(parents.is_valid, false) as is_valid

    from renamed
    left join parents
        on
            renamed.load_id = parents.load_id
            and renamed.parent_index = parents.submission_index

)

select * from final
{%- endmacro %}
