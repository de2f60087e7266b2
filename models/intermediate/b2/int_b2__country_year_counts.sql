{#- Per-country, per-year counts of the three international populations, unpivoted: one row per
    answered cell of the `imw_nat`, `ret_cty`, `emi_cty` repeat sheets (all submissions; only rows
    with `is_counted` count). Year fields are discovered from the landed columns, so a round that
    adds a year needs no SQL change; an answer for a year outside the round's reference years is
    unknown with status `year_outside_round`. -#}
{%- set sheets = [
    ('stg_kobo__b2_imw_nat', 'international_migrant_workers'),
    ('stg_kobo__b2_ret_cty', 'return_migrants'),
    ('stg_kobo__b2_emi_cty', 'emigrants'),
] -%}
{%- set keep = [
    'load_id', 'round_id', 'sheet_name', 'source_row', 'row_index', 'community_id', 'rayon_code',
    'submission_status', 'is_valid', 'country_choice', 'country_other',
] -%}

with

{% for sheet, group in sheets %}
{{ group }} as (

    {{ unpivot_answers(ref(sheet), 'n_', 'year', keep, {'population_group': "'" ~ group ~ "'"}, digits=true) }}

),
{% endfor %}

resolutions as (

    select * from {{ ref('int_geo__other_country_resolutions') }}

),

choices as (

    select * from {{ ref('countries') }}

),

round_years as (

    select * from {{ ref('int_rounds__b2_years') }}

),

unioned as (

    {% for sheet, group in sheets -%}
    select * from {{ group }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

countries as (

    select
        unioned.*,
        case
            when unioned.country_choice = 'other' then coalesce(resolutions.country_code, 'UNK')
            when choices.country_choice is not null then upper(unioned.country_choice)
            else 'UNK'
        end as country_code,
        case
            when unioned.country_choice = 'other'
                then 'other: ' || coalesce(resolutions.resolution_method, 'unresolved')
            when choices.country_choice is not null then 'choice'
            when unioned.country_choice is null then 'empty'
            when unioned.country_choice = 'dont_know' then 'dont_know'
            else 'unknown_choice'
        end as country_resolution

    from unioned
    left join resolutions
        on unioned.country_other = resolutions.country_other
    left join choices
        on unioned.country_choice = choices.country_choice

),

final as (

    select
        countries.load_id,
        countries.round_id,
        countries.sheet_name,
        countries.source_row,
        countries.row_index,
        countries.community_id,
        countries.rayon_code,
        countries.submission_status,
        countries.population_group,
        countries.country_choice,
        countries.country_other,
        countries.country_code,
        countries.country_resolution,
        countries.year,
        coalesce(round_years.is_partial_year, false) as is_partial_year,
        case when round_years.year is not null then countries.answer_value end as persons,
        case
            when round_years.year is null then 'year_outside_round'
            else countries.answer_status
        end as answer_status,
        countries.answer_raw,
        countries.is_valid as is_counted

    from countries
    left join round_years
        on
            countries.round_id = round_years.round_id
            and countries.year = round_years.year

)

select * from final
