{#- A published total beside the sum it must equal, per key: `published` and `summed` are CTE
    names, each with the `keys` columns and `persons`. A missing row on either side counts as zero
    persons (a rayon without a row in rayon_population but with communities counting persons fails,
    and the other way round). -#}
{% macro compare_totals(published, summed, keys, summed_as) -%}
    select
        {% for key in keys -%}
        coalesce({{ published }}.{{ key }}, {{ summed }}.{{ key }}) as {{ key }},
        {% endfor -%}
        case when {{ published }}.round_id is null then 0 else {{ published }}.persons end as persons,
        case when {{ summed }}.round_id is null then 0 else {{ summed }}.persons end as {{ summed_as }}

    from {{ published }}
    full outer join {{ summed }}
        on
            {% for key in keys -%}
            {{ published }}.{{ key }} = {{ summed }}.{{ key }}{{ " and" if not loop.last }}
            {% endfor %}
{%- endmacro %}
