{#- Blocking check country_sums_to_national: the national total of each international population group beside the
    sum of population_by_country (macros/quality/compare_totals.sql). -#}
{{ breakdown_vs_national(
    ref('population_by_country'), ref('national_population'), ref('population_groups'), 'persons_by_country'
) }}
