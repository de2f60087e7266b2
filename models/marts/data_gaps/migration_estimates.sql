{#- Every numeric estimate of the gap analysis (its `estimates` sheet) and the BMA rounds' own
    estimates of the same concepts (computed from the marts; mapping seeds/gap_mtm_estimates.csv),
    side by side with source, year and definition so that differing definitions are visible.
    BMA estimates by country are kept for the countries the published estimates of that concept
    name. A BMA stock is dated to the last year its round covers (the collection year). -#}
with

published as (

    select * from {{ ref('stg_gap_analysis__estimates') }}

),

sources as (

    select * from {{ ref('stg_gap_analysis__sources') }}

),

concepts as (

    select * from {{ ref('gap_estimate_concepts') }}

),

estimate_map as (

    select * from {{ ref('gap_mtm_estimates') }}

),

national_population as (

    select * from {{ ref('national_population') }}

),

population_by_country as (

    select * from {{ ref('population_by_country') }}

),

population_by_year as (

    select * from {{ ref('population_by_year') }}

),

internal_migration as (

    select * from {{ ref('internal_migration') }}

),

source_labels as (

    select
        country_code,
        source_id,
        min(source_label) as source_label

    from sources
    group by country_code, source_id

),

published_estimates as (

    select
        published.country_code || ':' || published.estimate_id as estimate_key,
        published.country_code,
        published.concept,
        published.partner_country_code,
        published.subgroup,
        published.reference_year,
        published.reference_period,
        published.estimate_value,
        published.unit,
        'published' as source_kind,
        published.source_id,
        source_labels.source_label,
        cast(null as integer) as round_id,
        published.definition,
        published.evidence

    from published
    left join source_labels
        on
            published.country_code = source_labels.country_code
            and published.source_id = source_labels.source_id

),

round_span as (

    select
        round_id,
        population_group,
        min(year) as first_year,
        max(year) as last_year

    from population_by_year
    group by round_id, population_group

),

published_countries as (

    select distinct
        concept,
        partner_country_code

    from published
    where partner_country_code is not null

),

bma_national as (

    select
        estimate_map.concept,
        cast(null as string) as partner_country_code,
        national_population.round_id,
        round_span.last_year as reference_year,
        cast(round_span.first_year as string) || '-' || cast(round_span.last_year as string)
            as reference_period,
        cast(national_population.persons as double) as estimate_value,
        estimate_map.definition

    from estimate_map
    inner join national_population
        on estimate_map.population_group = national_population.population_group
    inner join round_span
        on
            national_population.round_id = round_span.round_id
            and national_population.population_group = round_span.population_group
    where estimate_map.source_mart = 'national_population'

),

bma_country as (

    select
        estimate_map.concept,
        population_by_country.country_code as partner_country_code,
        population_by_country.round_id,
        round_span.last_year as reference_year,
        cast(round_span.first_year as string) || '-' || cast(round_span.last_year as string)
            as reference_period,
        cast(population_by_country.persons as double) as estimate_value,
        estimate_map.definition

    from estimate_map
    inner join population_by_country
        on estimate_map.population_group = population_by_country.population_group
    inner join round_span
        on
            population_by_country.round_id = round_span.round_id
            and population_by_country.population_group = round_span.population_group
    inner join published_countries
        on
            estimate_map.concept = published_countries.concept
            and population_by_country.country_code = published_countries.partner_country_code
    where estimate_map.source_mart = 'population_by_country'

),

bma_year as (

    select
        estimate_map.concept,
        cast(null as string) as partner_country_code,
        population_by_year.round_id,
        population_by_year.year as reference_year,
        case
            when population_by_year.is_partial_year
                then cast(population_by_year.year as string) || ' (part of the year, to the assessment)'
            else cast(population_by_year.year as string)
        end as reference_period,
        cast(population_by_year.persons as double) as estimate_value,
        estimate_map.definition

    from estimate_map
    inner join population_by_year
        on estimate_map.population_group = population_by_year.population_group
    where estimate_map.source_mart = 'population_by_year'

),

bma_internal as (

    select
        estimate_map.concept,
        cast(null as string) as partner_country_code,
        internal_migration.round_id,
        internal_migration.reference_year,
        cast(internal_migration.reference_year as string) as reference_period,
        cast(internal_migration.persons as double) as estimate_value,
        estimate_map.definition

    from estimate_map
    inner join internal_migration
        on estimate_map.population_group = internal_migration.population_group
    where estimate_map.source_mart = 'internal_migration'

),

bma_all as (

    select * from bma_national
    union all
    select * from bma_country
    union all
    select * from bma_year
    union all
    select * from bma_internal

),

bma_estimates as (

    select
        'MTM:r' || cast(round_id as string) || ':' || concept || ':'
        || coalesce(partner_country_code, 'ALL') || ':' || cast(reference_year as string) as estimate_key,
        '{{ var("mtm_country_code", "KGZ") }}' as country_code,
        concept,
        partner_country_code,
        'total' as subgroup,
        reference_year,
        reference_period,
        estimate_value,
        'persons' as unit,
        'mtm_bma' as source_kind,
        'mtm_bma_round_' || cast(round_id as string) as source_id,
        'IOM MTM Baseline Mobility Assessment, round ' || cast(round_id as string) as source_label,
        round_id,
        definition,
        'computed from the marts' as evidence

    from bma_all

),

unioned as (

    select * from published_estimates
    union all
    select * from bma_estimates

),

final as (

    select
        unioned.estimate_key,
        unioned.country_code,
        unioned.concept,
        concepts.concept_label,
        concepts.thematic_area,
        unioned.partner_country_code,
        unioned.subgroup,
        unioned.reference_year,
        unioned.reference_period,
        unioned.estimate_value,
        unioned.unit,
        unioned.source_kind,
        unioned.source_id,
        unioned.source_label,
        unioned.round_id,
        unioned.definition,
        unioned.evidence

    from unioned
    left join concepts
        on unioned.concept = concepts.concept

)

select * from final
