{#- Countries by ISO 3166-1 alpha-3 (upper case, as the marts write them), `UNK` included, with
    labels in English, Russian and Kyrgyz: the form's labels for the countries it lists, iso-codes
    translations for the others. -#}
with

labels as (

    select * from {{ ref('labels') }}

),

country_labels as (

    select * from labels
    where list_name = 'country'

),

final as (

    select
        upper(code) as country_code,
        label_en,
        label_ru,
        label_ky,
        label_source,
        sort_order

    from country_labels

)

select * from final
