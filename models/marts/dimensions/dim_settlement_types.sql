{#- Settlement types with their labels in English, Russian and Kyrgyz (the form's choices). -#}
with

labels as (

    select * from {{ ref('labels') }}

),

listed as (

    select * from labels
    where list_name = 'settlement_type'

),

final as (

    select
        code as settlement_type,
        label_en,
        label_ru,
        label_ky,
        sort_order

    from listed

)

select * from final
