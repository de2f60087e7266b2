{#- Seeds on Spark. dbt-spark's own spark__load_csv_rows passes the values as bindings, and its
    session cursor puts them into the statement without escaping: a quote in a seed (`country's`)
    breaks the insert. Here every value is written as a Spark literal, escaped, so the same
    statements work on every connection method (session, Thrift, Spark Connect, Databricks). -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- if target.name == 'spark' and env_var('MTM_SPARK_MASTER', 'local[2]').startswith('local') -%}
        {{ return(mtm.spark_load_csv_file(model, agate_table, types)) }}
    {%- endif -%}
    {%- set batch_size = get_batch_size() -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ mtm.spark_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- The local session target (`spark` in profiles.yml, local master): the driver reads the seed file itself, all columns as
    text (RFC 4180 quotes, empty = null), cast to the seed's column types. Tens of thousands of rows
    load in a second instead of a minute of VALUES parsing. -#}
{% macro spark_load_csv_file(model, agate_table, types) %}
    {%- set path = model['root_path'] ~ '/' ~ model['original_file_path'] -%}
    {%- set view = 'mtm_seed_' ~ model['name'] -%}
    {%- do run_query('create or replace temporary view ' ~ view ~ " using csv options (path '"
        ~ (path | replace("\\", "\\\\") | replace("'", "\\'")) ~ "', header 'true', multiLine 'true', "
        ~ "quote '\"', escape '\"', encoding 'UTF-8', inferSchema 'false', nullValue '', emptyValue '')") -%}
    {%- set sql -%}
        insert into {{ this.render() }}
        select
        {%- for col_name in agate_table.column_names %}
            cast(`{{ col_name }}` as {{ types[loop.index0] }}){{ ',' if not loop.last }}
        {%- endfor %}
        from {{ view }}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {{ return(sql) }}
{% endmacro %}
