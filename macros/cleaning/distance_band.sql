{#- The published distance bands on whole km (docs/cleaning-rules.md), as `when` branches. -#}
{% macro distance_bands() -%}
    {{ return([
        ('0-5 km', 0, 5),
        ('6-10 km', 6, 10),
        ('11-15 km', 11, 15),
        ('16-20 km', 16, 20),
        ('21-25 km', 21, 25),
        ('over 25 km', 26, none),
    ]) }}
{%- endmacro %}

{% macro distance_band(expression) -%}
    {%- for label, low, high in mtm.distance_bands() %}
    {%- if high is none %}
            when {{ expression }} >= {{ low }} then '{{ label }}'
    {%- else %}
            when {{ expression }} between {{ low }} and {{ high }} then '{{ label }}'
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The bands as rows (distance_band, band_order), a union of selects. -#}
{% macro distance_band_rows() -%}
    {%- for label, low, high in mtm.distance_bands() %}
    select
        '{{ label }}' as distance_band,
        {{ loop.index }} as band_order
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
