{#- Reasons of the B2 form per population (scored reasons of return migrants and emigrants, main
    reasons of internal migrants), with labels in English, Russian and Kyrgyz (the fields' labels). -#}
with

reasons as (

    select * from {{ ref('reasons') }}

),

labels as (

    select * from {{ ref('labels') }}

),

reason_labels as (

    select * from labels
    where list_name = 'reason'

),

final as (

    select
        reasons.population_group,
        reasons.reason_code,
        reasons.field_name,
        reason_labels.label_en,
        reason_labels.label_ru,
        reason_labels.label_ky,
        reason_labels.sort_order

    from reasons
    inner join reason_labels
        on reasons.field_name = reason_labels.code

)

select * from final
