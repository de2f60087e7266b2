{#- One row per round, valid community and service: availability, whole-km distance to the
    nearest one when the community lacks it, its distance band, and the community's households.
    Services are discovered from the landed `svc/<service>_avail` columns. -#}
{%- set names = relation_column_names(ref('stg_kobo__b2_submissions')) -%}
{%- set services = columns_with_prefix(names, '', ending='_avail') -%}

with

communities as (

    select * from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

answers as (

    {% for service in services -%}
    select
        round_id,
        community_id,
        '{{ service.key }}' as service_code,
        {{ service.key }}_avail as availability,
        {{ service.key }}_dist_km as distance_km,
        {{ service.key }}_dist_km_status as distance_status

    from submissions
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {%- if services | length == 0 -%}
    select
        round_id,
        community_id,
        cast(null as {{ string_type() }}) as service_code,
        cast(null as {{ string_type() }}) as availability,
        cast(null as bigint) as distance_km,
        cast(null as {{ string_type() }}) as distance_status

    from submissions
    where 1 = 0
    {%- endif %}

),

final as (

    select
        answers.round_id,
        answers.community_id,
        communities.rayon_code,
        communities.oblast_code,
        answers.service_code,
        answers.availability,
        answers.availability = 'yes' as has_service,
        case when answers.availability = 'no' then answers.distance_km end as distance_km,
        case when answers.availability = 'no' then answers.distance_status end as distance_status,
        case
            when answers.availability != 'no' or answers.availability is null then null
            when answers.distance_km is null then 'unknown'
            {{ distance_band('answers.distance_km') }}
        end as distance_band,
        communities.households

    from answers
    inner join communities
        on
            answers.round_id = communities.round_id
            and answers.community_id = communities.community_id

)

select * from final
