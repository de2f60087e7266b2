with

community_services as (

    select * from {{ ref('int_b2__community_services') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

services as (

    select * from {{ ref('services') }}

),

per_service as (

    select
        round_id,
        service_code,
        cast(sum(case when availability = 'yes' then 1 else 0 end) as bigint) as communities_with,
        cast(sum(case when availability = 'no' then 1 else 0 end) as bigint) as communities_without,
        cast(sum(case when availability is null or availability not in ('yes', 'no') then 1 else 0 end) as bigint)
            as communities_not_answering

    from community_services
    group by round_id, service_code

),

final as (

    select
        per_service.round_id,
        per_service.service_code,
        coalesce(services.service_label, per_service.service_code) as service_label,
        per_service.communities_with,
        per_service.communities_without,
        cast(100 as double) * per_service.communities_with
        / nullif(per_service.communities_with + per_service.communities_without, 0) as pct_with,
        cast(100 as double) * per_service.communities_without
        / nullif(per_service.communities_with + per_service.communities_without, 0) as pct_without,
        per_service.communities_not_answering

    from per_service
    left join services
        on per_service.service_code = services.service_code

)

select * from final
