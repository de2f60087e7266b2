{#- Blocking check country_sums_to_national: the national total of each international population group beside the
    sum of population_by_country (persons as double). -#}
with

breakdown as (

    select * from {{ ref('population_by_country') }}

),

national as (

    select * from {{ ref('national_population') }}

),

population_groups as (

    select * from {{ ref('population_groups') }}

),

summed as (

    select
        round_id,
        population_group,
        cast(sum(persons) as double) as persons

    from breakdown
    group by
        round_id,
        population_group

),

published as (

    select
        national.round_id,
        national.population_group,
        cast(national.persons as double) as persons

    from national
    inner join population_groups
        on national.population_group = population_groups.population_group
    where population_groups.is_international

),

final as (

    {{ compare_totals(
        'published', 'summed', ['round_id', 'population_group'], 'persons_by_country'
    ) }}

)

select * from final
