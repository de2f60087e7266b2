{#- Every numeric answer that is not a usable number, from every staging sheet: `dont_know` (-99),
    `out_of_range`, `unparseable`, plus per-year answers for a year outside the round. Discovered
    from the `<field>_status` / `<field>_raw` pairs staging emits, so new fields are covered. -#}
{%- set sheets = [
    ('stg_kobo__b2_submissions', 'source_row'),
    ('stg_kobo__b2_imw_nat', 'source_row'),
    ('stg_kobo__b2_ret_cty', 'source_row'),
    ('stg_kobo__b2_emi_cty', 'source_row'),
    ('stg_kobo__b2_int_in_origin', 'source_row'),
    ('stg_kobo__b2_int_out_dest', 'source_row'),
] -%}
{%- set keep = [
    'load_id', 'round_id', 'file_name', 'sheet_name', 'source_row', 'community_id', 'rayon_code',
    'submission_status',
] -%}

with

{% for sheet, _ in sheets %}
{{ sheet | replace('stg_kobo__', '') }} as (

    {{ unpivot_answers(ref(sheet), '', 'field_name', keep) }}

),
{% endfor %}

year_outside_round as (

    select
        load_id,
        round_id,
        cast(null as {{ string_type() }}) as file_name,
        sheet_name,
        source_row,
        community_id,
        rayon_code,
        submission_status,
        'n_' || cast(year as {{ string_type() }}) as field_name,
        cast(null as bigint) as answer_value,
        answer_status,
        answer_raw

    from {{ ref('int_b2__country_year_counts') }}
    where
        answer_status = 'year_outside_round'
        and {{ in_rounds_to_rebuild('round_id') }}

),

unioned as (

    {% for sheet, _ in sheets -%}
    select * from {{ sheet | replace('stg_kobo__', '') }}
    union all
    {% endfor -%}
    select * from year_outside_round

),

final as (

    select
        load_id,
        round_id,
        file_name,
        sheet_name,
        source_row,
        field_name,
        answer_raw,
        answer_status,
        community_id,
        rayon_code,
        submission_status

    from unioned
    where answer_status in ('dont_know', 'out_of_range', 'unparseable', 'year_outside_round')

)

select * from final
