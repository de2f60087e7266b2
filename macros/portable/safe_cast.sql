{#- A cast that yields null instead of failing on a value that does not convert.
    DuckDB and Spark (3.2+) spell it try_cast: with ANSI mode (the default on Spark 4 and
    Databricks SQL) a plain cast of a malformed value would stop the build. The default, for other
    engines, is a plain cast. -#}
{% macro safe_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('safe_cast', 'mtm')(expression, data_type)) }}
{%- endmacro %}

{% macro default__safe_cast(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro duckdb__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}
