{#- Portable unpivot (a union all, one select per field) of the numeric answers a staging model
    emits as `<field>` / `<field>_status` / `<field>_raw`.

    relation:  the staging relation (ref), inspected at execution time
    prefix:    fields `<prefix><key>`; `key` becomes the value of `key_column`
    digits:    only keys made of digits (per-year fields), cast to integer
    keep:      columns copied from the relation
    constants: {column: SQL expression} added to every select
    Rows whose answer is `missing` are left out: an empty cell is no answer. In an incremental
    build only the rounds to rebuild are read (`relation` has `round_id`; macros/portable/by_round.sql). -#}
{% macro unpivot_answers(relation, prefix, key_column, keep, constants={}, digits=false) -%}
    {%- set names = mtm.relation_column_names(relation) -%}
    {%- set in_rounds = mtm.in_rounds_to_rebuild('round_id') -%}
    {%- set fields = [] -%}
    {%- for found in mtm.columns_with_prefix(names, prefix, ending='_status', digits=digits) -%}
        {%- if (prefix ~ found.key ~ '_raw') in names -%}
            {%- do fields.append(found.key) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if fields | length == 0 %}
    select
        {% for column in keep -%}
        {{ column }},
        {% endfor -%}
        {% for column, expression in constants.items() -%}
        {{ expression }} as {{ column }},
        {% endfor -%}
        cast(null as {{ 'integer' if digits else mtm.string_type() }}) as {{ key_column }},
        cast(null as bigint) as answer_value,
        cast(null as {{ mtm.string_type() }}) as answer_status,
        cast(null as {{ mtm.string_type() }}) as answer_raw
    from {{ relation }}
    where 1 = 0
    {%- endif %}
    {%- for key in fields %}
    select
        {% for column in keep -%}
        {{ column }},
        {% endfor -%}
        {% for column, expression in constants.items() -%}
        {{ expression }} as {{ column }},
        {% endfor -%}
        {% if digits -%}
        {{ key }} as {{ key_column }},
        {%- else -%}
        '{{ key }}' as {{ key_column }},
        {%- endif %}
        {{ prefix ~ key }} as answer_value,
        {{ prefix ~ key }}_status as answer_status,
        {{ prefix ~ key }}_raw as answer_raw
    from {{ relation }}
    where {{ prefix ~ key }}_status != 'missing' and {{ in_rounds }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
