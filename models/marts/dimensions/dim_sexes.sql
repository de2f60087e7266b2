{#- Sexes (of key informants) with their labels in English, Russian and Kyrgyz (the form's choices). -#}
with

labels as (

    select * from {{ ref('labels') }}

),

listed as (

    select * from labels
    where list_name = 'sex'

),

final as (

    select
        code as sex,
        label_en,
        label_ru,
        label_ky,
        sort_order

    from listed

)

select * from final
