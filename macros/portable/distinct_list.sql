{#- The distinct values of a text column of a group, sorted and joined by a delimiter.
    DuckDB: string_agg with distinct and order by; the default (Spark): collect_set sorted. -#}
{% macro distinct_list(expression, delimiter) -%}
    {{ return(adapter.dispatch('distinct_list', 'mtm')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__distinct_list(expression, delimiter) -%}
    array_join(array_sort(collect_set({{ expression }})), '{{ delimiter }}')
{%- endmacro %}

{% macro duckdb__distinct_list(expression, delimiter) -%}
    string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}
