{#- Services of the B2 form's access-to-services section with their labels in three languages. -#}
with

labels as (

    select * from {{ ref('labels') }}

),

listed as (

    select * from labels
    where list_name = 'service'

),

final as (

    select
        code as service_code,
        label_en,
        label_ru,
        label_ky,
        sort_order

    from listed

)

select * from final
