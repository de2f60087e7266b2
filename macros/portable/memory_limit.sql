{#- An on-run-start hook (dbt_project.yml): DuckDB's memory limit for the run, `$MTM_MEMORY_LIMIT`
    (`mtm build` always passes it: mtm.core.warehouse.memory_limit, 3GB unless set; DuckDB spills
    to disk past it). Set when the run starts, not in the profile: dbt's partial parse compares the
    rendered profile, so a limit there would cost a full re-parse each time it changes. Read only
    when the hook runs (never at parse time) for the same reason. -#}
{% macro apply_memory_limit() -%}
    {%- if execute and target.type == 'duckdb' -%}
        set memory_limit = '{{ env_var("MTM_MEMORY_LIMIT", "3GB") | replace("'", "") }}'
    {%- endif -%}
{%- endmacro %}
