with

community_services as (

    select * from {{ ref('int_b2__community_services') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        round_id,
        community_id,
        rayon_code,
        oblast_code,
        service_code,
        availability,
        has_service,
        distance_km,
        distance_band,
        households

    from community_services

)

select * from final
