-- sqlfluff:exclude_rules:layout.indent,structure.column_order,ambiguous.column_count,references.keywords
{#- layout.indent: sqlfluff lints the `set fields` block as if it were output (at the column where
    the block starts); the fields are the select list repeat_sheet_model places. -#}
{%- set cols = relation_column_names(source('kobo', 'b1_villages')) -%}
{%- set fields -%}
        {{ clean_text(column_or_null(cols, 'villages__community_name')) }} as community_name,
        {{ clean_community_id(column_or_null(cols, 'villages__community_id')) }} as community_id,
        {{ clean_code(multiple_choice_answer(cols, 'villages__flows')) }} as flows,
        {{ numeric_answer(column_or_null(cols, 'villages__est_imw'), 'est_imw', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'villages__est_ret'), 'est_ret', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'villages__est_emi'), 'est_emi', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'villages__est_int_in'), 'est_int_in', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'villages__est_int_out'), 'est_int_out', 'count') }}
{%- endset %}
{{ repeat_sheet_model(
    source('kobo', 'b1_villages'),
    'stg_kobo__b1_submissions',
    fields,
    ['rayon_code', 'oblast_choice']
) }}
