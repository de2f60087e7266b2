{#- Fails with one row per grain key that occurs more than once (or has a null part other than
    those of `nullable`, whose null is a value of its own): every model declares its grain with
    this test.

    In two steps, so that a grain of millions of rows (a quality view over every round) stays
    within the engine's memory: first the keys are counted by their hash, one number per row;
    only the rows whose hash occurs more than once (and those with a null part) are then grouped
    by the key itself, which also tells a real repeat from two keys that share a hash. -#}
{% test unique_grain(model, columns, nullable=[]) %}

with

hashed as (

    select
        hash({{ columns | join(', ') }}) as key_hash,
        count(*) as rows_with_hash

    from {{ model }}

    group by hash({{ columns | join(', ') }})

),

repeated_hashes as (

    select key_hash from hashed
    where rows_with_hash > 1

),

keyed as (

    select
        {% for column in columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as rows_with_key

    from {{ model }}

    where
        hash({{ columns | join(', ') }}) in (select key_hash from repeated_hashes)
        {% for column in columns if column not in nullable -%}
        or {{ column }} is null
        {% endfor %}

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
