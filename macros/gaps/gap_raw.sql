{#- The rows of a raw gap table, or no rows (with the expected text columns) when no gap workbook
    was ever loaded, so a warehouse without one still builds. The source() call always happens so
    the lineage graph shows the dependency. -#}
{% macro gap_raw_rows(table_name, columns) -%}
    {%- set relation = source('gap_analysis', table_name) -%}
    {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) if execute else relation -%}
    {%- if existing is none -%}
    select
        cast(null as {{ mtm.string_type() }}) as _load_id,
        cast(null as {{ mtm.string_type() }}) as _file_name,
        cast(null as {{ mtm.string_type() }}) as _sheet_name,
        cast(null as integer) as _source_row,
        cast(null as {{ mtm.string_type() }}) as _country_code,
        {% for column in columns -%}
        cast(null as {{ mtm.string_type() }}) as {{ column }}{{ "," if not loop.last }}
        {% endfor %}
    where 1 = 0
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The load_log rows of gap loads (form `gaps`), or none when there is no log yet. -#}
{% macro gap_load_log_rows() -%}
    {%- set relation = source('gap_analysis', 'load_log') -%}
    {%- set existing = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) if execute else relation -%}
    {%- if existing is none -%}
    select
        cast(null as {{ mtm.string_type() }}) as load_id,
        cast(null as timestamp) as attempted_at,
        cast(null as {{ mtm.string_type() }}) as form,
        cast(null as {{ mtm.string_type() }}) as file_name,
        cast(null as {{ mtm.string_type() }}) as file_sha256,
        cast(null as {{ mtm.string_type() }}) as status,
        cast(null as {{ mtm.string_type() }}) as superseded_load_id
    where 1 = 0
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Positions 1..n, one row each: used to split the `source_ids` lists of the workbook. -#}
{% macro gap_positions(n) -%}
    {% for i in range(1, n + 1) -%}
    select {{ i }} as position{% if not loop.last %} union all {% endif %}
    {% endfor %}
{%- endmacro %}
