-- sqlfluff:exclude_rules:layout.indent,structure.column_order,ambiguous.column_count,references.keywords
{#- layout.indent: sqlfluff lints the `set fields` block as if it were output (at the column where
    the block starts); the fields are the select list repeat_sheet_model places. -#}
{%- set cols = relation_column_names(source('kobo', 'b2_int_in_origin')) -%}
{%- set fields -%}
        {{ clean_code(column_or_null(cols, 'int_in__int_in_origin__int_in_origin_rayon')) }} as other_rayon_code,
        {{ numeric_answer(column_or_null(cols, 'int_in__int_in_origin__int_in_n'), 'persons', 'count') }}
{%- endset %}
{{ repeat_sheet_model(
    source('kobo', 'b2_int_in_origin'),
    'stg_kobo__b2_submissions',
    fields,
    ['community_id', 'rayon_code']
) }}
