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

{#- The whole model of a blocking check comparing a by-country or by-year table with the national
    total of each international population group (seed population_groups.is_international):
    one row per round and group, persons as double. -#}
{% macro breakdown_vs_national(breakdown_relation, national_relation, groups_relation, summed_as) -%}
with

breakdown as (

    select * from {{ breakdown_relation }}

),

national as (

    select * from {{ national_relation }}

),

population_groups as (

    select * from {{ groups_relation }}

),

summed as (

    select
        round_id,
        population_group,
        cast(sum(persons) as double) as persons

    from breakdown
    group by
        round_id,
        population_group

),

published as (

    select
        national.round_id,
        national.population_group,
        cast(national.persons as double) as persons

    from national
    inner join population_groups
        on national.population_group = population_groups.population_group
    where population_groups.is_international

),

final as (

    {{ mtm.compare_totals('published', 'summed', ['round_id', 'population_group'], summed_as) }}

)

select * from final
{%- endmacro %}
