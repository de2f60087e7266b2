{#- The reference years of each B2 round, from the round registry (seed `rounds`, a copy of the
    forms' settings.csv): one row per round and year. The round's last reference year is its
    collection year, counted only part of the year (`is_partial_year`). -#}
{%- set max_years = 30 -%}

with

registry as (

    select * from {{ ref('rounds') }}
    where form = 'b2'

),

{% for position in range(1, max_years + 1) %}
year_{{ position }} as (

    select
        round as round_id,
        {{ split_nth('trim(reference_years)', ' ', position) }} as year_text

    from registry

),
{% endfor %}

unioned as (

    {% for position in range(1, max_years + 1) -%}
    select * from year_{{ position }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

years as (

    select
        round_id,
        cast(year_text as integer) as year

    from unioned
    where year_text != ''

),

final as (

    select
        round_id,
        year,
        year = max(year) over (partition by round_id) as is_partial_year

    from years

)

select * from final
