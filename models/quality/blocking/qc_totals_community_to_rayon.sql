{#- Blocking check totals_community_to_rayon: rayons totals beside the sum of their communities (persons as double). -#}
with

communities as (

    select * from {{ ref('community_population') }}

),

rayons as (

    select * from {{ ref('rayon_population') }}

),

summed as (

    select
        round_id,
        population_group,
        rayon_code,
        cast(sum(persons) as double) as persons

    from communities
    group by
        round_id,
        population_group,
        rayon_code

),

published as (

    select
        round_id,
        population_group,
        rayon_code,
        cast(persons as double) as persons

    from rayons

),

final as (

    {{ compare_totals(
        'published', 'summed', ['round_id', 'population_group', 'rayon_code'], 'persons_from_communities'
    ) }}

)

select * from final
