-- sqlfluff:exclude_rules:layout.indent,structure.column_order,ambiguous.column_count,references.keywords
{#- layout.indent: sqlfluff lints the `set fields` block as if it were output (at the column where
    the block starts); the fields are the select list repeat_sheet_model places. -#}
{#- Per-year counts are discovered from the landed columns (`imw__imw_nat__imw_n_<year>`):
    a round that adds a year needs no SQL change. -#}
{%- set cols = relation_column_names(source('kobo', 'b2_imw_nat')) -%}
{%- set years = columns_with_prefix(cols, 'imw__imw_nat__imw_n_', digits=true) -%}
{%- set fields -%}
        {{ clean_code(column_or_null(cols, 'imw__imw_nat__imw_country')) }} as country_choice,
        {{ clean_text(column_or_null(cols, 'imw__imw_nat__imw_country_other')) }} as country_other
        {%- for year in years %},
        {{ numeric_answer(year.column, 'n_' ~ year.key, 'count') }}
        {%- endfor %}
{%- endset %}
{{ repeat_sheet_model(
    source('kobo', 'b2_imw_nat'),
    'stg_kobo__b2_submissions',
    fields,
    ['community_id', 'rayon_code']
) }}
