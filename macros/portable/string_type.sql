{#- The text type for casts: `varchar` on DuckDB, `string` elsewhere (Spark). -#}
{% macro string_type() -%}
    {{ return(adapter.dispatch('string_type', 'mtm')()) }}
{%- endmacro %}

{% macro default__string_type() -%}
    string
{%- endmacro %}

{% macro duckdb__string_type() -%}
    varchar
{%- endmacro %}
