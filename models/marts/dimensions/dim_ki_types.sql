{#- Key-informant types with their labels in English, Russian and Kyrgyz (the form's ki_type choices). -#}
with

labels as (

    select * from {{ ref('labels') }}

),

listed as (

    select * from labels
    where list_name = 'ki_type'

),

final as (

    select
        code as ki_type,
        label_en,
        label_ru,
        label_ky,
        sort_order

    from listed

)

select * from final
