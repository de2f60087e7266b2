{#- Communities listed by the valid B1 submission of each round and rayon, one row per listed
    community. `community_key` is the MTM code, or `name:<lower-cased name>` for a community B1 has
    not coded yet. A community listed twice in a rayon keeps its first row. -#}
with

villages as (

    select * from {{ ref('stg_kobo__b1_villages') }}
    where is_valid

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

final as (

    select
        round_id,
        rayon_code,
        community_key,
        community_id,
        community_name,
        flows,
        est_imw,
        est_ret,
        est_emi,
        est_int_in,
        est_int_out,
        source_row

    from keyed
    where listing_rank = 1

)

select * from final
