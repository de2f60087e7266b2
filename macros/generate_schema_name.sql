{#- Schemas are the layer names (raw, staging, intermediate, marts, seeds), not <target>_<layer>.
    The marts may go to a schema of their own build (var marts_schema, given by
    `mtm build --target spark`: readers keep views in `marts` that are switched after the gate). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- elif custom_schema_name | trim == 'marts' -%}{{ var('marts_schema', 'marts') }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
