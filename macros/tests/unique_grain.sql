{#- Fails with one row per grain key that occurs more than once (or has a null part other than
    those of `nullable`, whose null is a value of its own): every model declares its grain with
    this test. -#}
{% test unique_grain(model, columns, nullable=[]) %}

with

keyed as (

    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as rows_with_key

    from {{ model }}

    group by
        {% for column in columns -%}
        {{ column }}{{ "," if not loop.last }}
        {% endfor %}

),

final as (

    select * from keyed
    where
        rows_with_key > 1
        {% for column in columns if column not in nullable -%}
        or {{ column }} is null
        {% endfor %}

)

select * from final

{% endtest %}
