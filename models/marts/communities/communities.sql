with

communities as (

    select * from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        round_id,
        community_id,
        community_name,
        settlement_type,
        rayon_code,
        rayon_name,
        oblast_code,
        oblast_name,
        households,
        key_informants

    from communities

)

select * from final
