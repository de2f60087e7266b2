{#- Communities listed by the valid B1 submission of each round and rayon, one row per listed
    community. `community_key` is the MTM code, or `name:<lower-cased name>` for a community B1 has
    not coded yet. A community listed twice in a rayon keeps its first row. `matched_community_id`:
    the code, or for an uncoded community the B2 community of the same round and rayon with the same
    name (lower-cased), when exactly one has it. -#}
with

villages as (

    select * from {{ ref('stg_kobo__b1_villages') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

keyed as (

    select
        round_id,
        rayon_code,
        coalesce(
            community_id, 'name:' || lower(community_name), 'row:' || cast(source_row as {{ string_type() }})
        ) as community_key,
        community_id,
        community_name,
        flows,
        est_imw,
        est_ret,
        est_emi,
        est_int_in,
        est_int_out,
        source_row,
        row_number() over (
            partition by
                round_id,
                rayon_code,
                coalesce(
                    community_id, 'name:' || lower(community_name), 'row:' || cast(source_row as {{ string_type() }})
                )
            order by source_row
        ) as listing_rank

    from villages

),

assessed as (

    select * from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

assessed_names as (

    select
        round_id,
        rayon_code,
        lower(community_name) as name_key,
        min(community_id) as community_id,
        count(*) as communities

    from assessed
    group by round_id, rayon_code, lower(community_name)

),

first_listings as (

    select * from keyed
    where listing_rank = 1

),

final as (

    select
        first_listings.round_id,
        first_listings.rayon_code,
        first_listings.community_key,
        first_listings.community_id,
        coalesce(
            first_listings.community_id,
            case when assessed_names.communities = 1 then assessed_names.community_id end
        ) as matched_community_id,
        case
            when first_listings.community_id is not null then 'code'
            when assessed_names.communities = 1 then 'name'
        end as match_method,
        first_listings.community_name,
        first_listings.flows,
        first_listings.est_imw,
        first_listings.est_ret,
        first_listings.est_emi,
        first_listings.est_int_in,
        first_listings.est_int_out,
        first_listings.source_row

    from first_listings
    left join assessed_names
        on
            first_listings.community_id is null
            and first_listings.round_id = assessed_names.round_id
            and first_listings.rayon_code = assessed_names.rayon_code
            and lower(first_listings.community_name) = assessed_names.name_key

)

select * from final
