{#- The five target populations in the published order, with labels in English, Russian and Kyrgyz
    (the labels of the form's groups). -#}
with

population_groups as (

    select * from {{ ref('population_groups') }}

),

labels as (

    select * from {{ ref('labels') }}

),

group_labels as (

    select * from labels
    where list_name = 'population_group'

),

final as (

    select
        population_groups.population_group,
        group_labels.label_en,
        group_labels.label_ru,
        group_labels.label_ky,
        population_groups.is_international,
        population_groups.sort_order

    from population_groups
    inner join group_labels
        on population_groups.population_group = group_labels.code

)

select * from final
