{#- Rayons (districts, Bishkek's city districts, Osh city) with their oblast's ISO 3166-2 code and
    labels in English, Russian and Kyrgyz. -#}
with

rayons as (

    select * from {{ ref('rayons') }}

),

oblasts as (

    select * from {{ ref('oblasts') }}

),

labels as (

    select * from {{ ref('labels') }}

),

rayon_labels as (

    select * from labels
    where list_name = 'rayon'

),

final as (

    select
        rayons.rayon_code,
        oblasts.oblast_code,
        rayon_labels.label_en,
        rayon_labels.label_ru,
        rayon_labels.label_ky,
        rayon_labels.sort_order

    from rayons
    inner join oblasts
        on rayons.oblast_choice = oblasts.oblast_choice
    inner join rayon_labels
        on rayons.rayon_code = rayon_labels.code

)

select * from final
