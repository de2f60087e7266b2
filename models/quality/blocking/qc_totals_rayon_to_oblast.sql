{#- Blocking check totals_rayon_to_oblast: oblasts totals beside the sum of their rayons (persons as double). -#}
with

rayons as (

    select * from {{ ref('rayon_population') }}

),

oblasts as (

    select * from {{ ref('oblast_population') }}

),

summed as (

    select
        round_id,
        population_group,
        oblast_code,
        cast(sum(persons) as double) as persons

    from rayons
    group by
        round_id,
        population_group,
        oblast_code

),

published as (

    select
        round_id,
        population_group,
        oblast_code,
        cast(persons as double) as persons

    from oblasts

),

final as (

    {{ compare_totals(
        'published', 'summed', ['round_id', 'population_group', 'oblast_code'], 'persons_from_rayons'
    ) }}

)

select * from final
