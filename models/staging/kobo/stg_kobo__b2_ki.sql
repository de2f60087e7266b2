-- sqlfluff:exclude_rules:layout.indent,structure.column_order,ambiguous.column_count,references.keywords
{#- layout.indent: sqlfluff lints the `set fields` block as if it were output (at the column where
    the block starts); the fields are the select list repeat_sheet_model places. -#}
{%- set cols = relation_column_names(source('kobo', 'b2_ki')) -%}
{%- set fields -%}
        {{ clean_code(column_or_null(cols, 'ki__ki_sex')) }} as ki_sex,
        {{ clean_code(column_or_null(cols, 'ki__ki_type')) }} as ki_type,
        {{ clean_text(column_or_null(cols, 'ki__ki_type_other')) }} as ki_type_other
{%- endset %}
{{ repeat_sheet_model(
    source('kobo', 'b2_ki'),
    'stg_kobo__b2_submissions',
    fields,
    ['community_id', 'rayon_code']
) }}
