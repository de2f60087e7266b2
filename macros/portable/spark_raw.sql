{#- The raw relations on Spark, over the Parquet lake that mtm/loaders/lake.py writes:
    raw.load_log over <lake>/load_log (one commit record per attempt), and per relation an external
    table over every load's file (<relation>.parquet under <lake>/loads; columns a later load added
    are merged in) with the view raw.<relation> that keeps only rows of loads whose record says
    `loaded`. Recreated at every run, so new loads are seen. Does nothing on other engines or when
    the var lake_dir is not given. -#}
{% macro register_lake() -%}
    {%- set lake = var('lake_dir', none) -%}
    {%- if execute and target.type == 'spark' and lake -%}
        {%- set lake = lake | replace("'", "\\'") -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- do run_query('drop table if exists raw.load_log') -%}
        {%- do run_query("create table raw.load_log using parquet options (path '" ~ lake ~ "/load_log')") -%}
        {%- for relation in var('lake_relations', []) -%}
            {%- do run_query('drop view if exists raw.' ~ relation) -%}
            {%- do run_query('drop table if exists raw.' ~ relation ~ '__lake') -%}
            {#- the loads folder with a file-name filter, not a glob path: Spark would create a
                literal `*` directory for a table whose path is a glob -#}
            {%- do run_query('create table raw.' ~ relation ~ "__lake using parquet options (path '"
                ~ lake ~ "/loads', pathGlobFilter '" ~ relation ~ ".parquet', recursiveFileLookup 'true', "
                ~ "mergeSchema 'true')") -%}
            {%- do run_query('create view raw.' ~ relation ~ ' as select landed.* from raw.' ~ relation
                ~ '__lake as landed left semi join raw.load_log as log'
                ~ " on landed._load_id = log.load_id and log.status = 'loaded'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
