{#- Blocking check totals_oblast_to_national: national totals beside the sum of their oblasts (persons as double). -#}
with

oblasts as (

    select * from {{ ref('oblast_population') }}

),

national as (

    select * from {{ ref('national_population') }}

),

summed as (

    select
        round_id,
        population_group,
        cast(sum(persons) as double) as persons

    from oblasts
    group by
        round_id,
        population_group

),

published as (

    select
        round_id,
        population_group,
        cast(persons as double) as persons

    from national

),

final as (

    {{ compare_totals(
        'published', 'summed', ['round_id', 'population_group'], 'persons_from_oblasts'
    ) }}

)

select * from final
