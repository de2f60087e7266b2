{#- Warning present_flag_contradictions: a `*_present` answer of a valid submission that says `no`
    while persons are counted, or `yes` while none are counted and no answer was unknown. -#}
{%- set flags = [
    ('imw_present', 'international_migrant_workers'),
    ('ret_present', 'return_migrants'),
    ('emi_present', 'emigrants'),
    ('int_in_present', 'internal_migrants'),
    ('int_out_present', 'internal_out_migrants'),
] -%}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where is_valid

),

community_population as (

    select * from {{ ref('community_population') }}

),

answers as (

    {% for flag, group in flags -%}
    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        '{{ group }}' as population_group,
        '{{ flag }}' as question,
        {{ flag }} as answer
    from submissions
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

flags as (

    select
        answers.*,
        coalesce(community_population.persons, 0) as persons,
        coalesce(community_population.unknown_answers, 0) as unknown_answers

    from answers
    left join community_population
        on
            answers.round_id = community_population.round_id
            and answers.community_id = community_population.community_id
            and answers.population_group = community_population.population_group

),

final as (

    select * from flags
    where
        (answer = 'no' and persons > 0)
        or (answer = 'yes' and persons = 0 and unknown_answers = 0)

)

select * from final
