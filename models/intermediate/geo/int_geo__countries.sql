{#- Country names by ISO 3166-1 alpha-3 code: the B2 form's choice labels, plus `UNK`. Codes
    resolved from free text that the form does not list get their name from pycountry in
    int_geo__other_country_resolutions. -#}
with

choices as (

    select * from {{ ref('countries') }}

),

final as (

    select
        upper(country_choice) as country_code,
        country_name

    from choices

    union all

    select
        'UNK' as country_code,
        'Unknown' as country_name

)

select * from final
