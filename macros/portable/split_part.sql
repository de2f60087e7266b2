{#- The n-th (1-based) piece of a text split on a delimiter; empty when there is none.
    split_part exists on DuckDB and Spark 3.3+; other engines get their own implementation. -#}
{% macro split_nth(expression, delimiter, n) -%}
    {{ return(adapter.dispatch('split_nth', 'mtm')(expression, delimiter, n)) }}
{%- endmacro %}

{% macro default__split_nth(expression, delimiter, n) -%}
    split_part({{ expression }}, '{{ delimiter }}', {{ n }})
{%- endmacro %}
