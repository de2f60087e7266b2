{#- One row per round, service and distance band of the communities without the service; every
    published band is present (zero when empty), plus `unknown` when a distance is missing. -#}
with

community_services as (

    select * from {{ ref('int_b2__community_services') }}
    where
        availability = 'no'
        and {{ in_rounds_to_rebuild('round_id') }}

),

round_services as (

    select distinct
        round_id,
        service_code

    from {{ ref('int_b2__community_services') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

bands as (

    {{ distance_band_rows() }}

),

per_band as (

    select
        round_id,
        service_code,
        distance_band,
        count(*) as communities,
        cast(coalesce(sum(households), 0) as bigint) as households

    from community_services
    group by round_id, service_code, distance_band

),

grid as (

    select
        round_services.round_id,
        round_services.service_code,
        bands.distance_band,
        bands.band_order

    from round_services
    cross join bands

    union all

    select distinct
        round_id,
        service_code,
        distance_band,
        99 as band_order

    from per_band
    where distance_band = 'unknown'

),

final as (

    select
        grid.round_id,
        grid.service_code,
        grid.distance_band,
        grid.band_order,
        coalesce(per_band.communities, 0) as communities,
        coalesce(per_band.households, 0) as households

    from grid
    left join per_band
        on
            grid.round_id = per_band.round_id
            and grid.service_code = per_band.service_code
            and grid.distance_band = per_band.distance_band

)

select * from final
