{#- Reason answers of valid submissions, unpivoted: the 0-5 importance scores of return migrants
    and emigrants, and the persons per main reason of internal (out-)migrants. Reason fields are
    discovered from the landed columns. -#}
{%- set groups = [
    ('ret_reason_', 'return_migrants', 'score'),
    ('emi_reason_', 'emigrants', 'score'),
    ('int_in_reason_', 'internal_migrants', 'persons'),
    ('int_out_reason_', 'internal_out_migrants', 'persons'),
] -%}
{%- set keep = ['load_id', 'round_id', 'source_row', 'community_id', 'rayon_code'] -%}

with

{% for prefix, group, measure in groups %}
{{ group }} as (

    {{ unpivot_answers(ref('stg_kobo__b2_submissions'), prefix, 'reason_code', keep,
        {'population_group': "'" ~ group ~ "'", 'answer_kind': "'" ~ measure ~ "'", 'is_valid': 'is_valid'}) }}

),
{% endfor %}

unioned as (

    {% for prefix, group, measure in groups -%}
    select * from {{ group }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        load_id,
        round_id,
        source_row,
        community_id,
        rayon_code,
        population_group,
        answer_kind,
        reason_code,
        answer_value,
        answer_status,
        answer_raw

    from unioned
    where is_valid

)

select * from final
