{#- Internal migrants by rayon of origin and internal out-migrants by rayon of destination: one row
    per answered repeat row (all submissions; only `is_counted` rows count). Same-rayon: the other
    rayon equals the community's rayon. -#}
{%- set sheets = [
    ('stg_kobo__b2_int_in_origin', 'internal_migrants'),
    ('stg_kobo__b2_int_out_dest', 'internal_out_migrants'),
] -%}

with

{% for sheet, group in sheets %}
{{ group }} as (

    select
        load_id,
        round_id,
        sheet_name,
        source_row,
        row_index,
        community_id,
        rayon_code,
        submission_status,
        '{{ group }}' as population_group,
        other_rayon_code,
        persons,
        persons_status as answer_status,
        persons_raw as answer_raw,
        is_valid as is_counted

    from {{ ref(sheet) }}
    where {{ in_rounds_to_rebuild('round_id') }}

),
{% endfor %}

unioned as (

    {% for sheet, group in sheets -%}
    select * from {{ group }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        *,
        coalesce(other_rayon_code = rayon_code, false) as is_same_rayon

    from unioned

)

select * from final
