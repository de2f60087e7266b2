{#- Readers on Spark read the views marts.<table>. After a build into its own schema has passed the
    quality gate, this points every view at it (`dbt run-operation publish_marts --args
    '{build_schema: marts_20261201T120000}'`), then drops the build schemas older than the newest
    `keep` ones. Each view is replaced in one metastore update: a query already running keeps the
    build it started on (its files stay until two builds later); a reader that reads several marts
    during the switch may see some from the previous build for that moment. -#}
{% macro publish_marts(build_schema, keep=2) %}
    {%- if not build_schema.startswith('marts_') -%}
        {{ exceptions.raise_compiler_error("publish_marts: not a build schema: " ~ build_schema) }}
    {%- endif -%}
    {%- do run_query('create database if not exists marts') -%}
    {%- set tables = run_query('show tables in ' ~ build_schema) -%}
    {%- for row in tables -%}
        {%- set name = row['tableName'] -%}
        {%- set existing = adapter.get_relation(database=none, schema='marts', identifier=name) -%}
        {%- if existing is not none and existing.type == 'table' -%}
            {%- do run_query('drop table marts.' ~ name) -%}
        {%- endif -%}
        {%- do run_query('create or replace view marts.' ~ name ~ ' as select * from ' ~ build_schema ~ '.' ~ name) -%}
    {%- endfor -%}
    {%- set builds = [] -%}
    {%- for row in run_query("show databases like 'marts_*'") -%}
        {%- do builds.append(row[0]) -%}
    {%- endfor -%}
    {%- for old in (builds | sort | reverse | list)[keep:] -%}
        {%- if old != build_schema -%}
            {%- do run_query('drop database if exists ' ~ old ~ ' cascade') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('readers now see ' ~ build_schema ~ ' (' ~ (tables | length) ~ ' views in marts)', info=true) }}
{% endmacro %}
