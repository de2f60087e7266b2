{#- Oblasts and cities of republican significance: ISO 3166-2 code, the form's choice name and
    labels in English, Russian and Kyrgyz. -#}
with

oblasts as (

    select * from {{ ref('oblasts') }}

),

labels as (

    select * from {{ ref('labels') }}

),

oblast_labels as (

    select * from labels
    where list_name = 'oblast'

),

final as (

    select
        oblasts.oblast_code,
        oblasts.oblast_choice,
        oblast_labels.label_en,
        oblast_labels.label_ru,
        oblast_labels.label_ky,
        oblast_labels.sort_order

    from oblasts
    inner join oblast_labels
        on oblasts.oblast_choice = oblast_labels.code

)

select * from final
