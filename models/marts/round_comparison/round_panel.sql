{#- The panel of communities between consecutive rounds: stayed (assessed in both), entered (only
    in the later round) or left (only in the earlier round). One row per later round and
    community; location from the later round when assessed there, else from the earlier one. -#}
with

pairs as (

    select * from {{ ref('int_round_comparison__round_pairs') }}
    where {{ in_rounds_to_rebuild('round_id', 'pair') }}

),

communities as (

    select * from {{ ref('int_b2__communities') }}

),

this_round as (

    select
        pairs.round_id,
        pairs.previous_round_id,
        communities.community_id

    from pairs
    inner join communities
        on pairs.round_id = communities.round_id

),

previous_round as (

    select
        pairs.round_id,
        pairs.previous_round_id,
        communities.community_id

    from pairs
    inner join communities
        on pairs.previous_round_id = communities.round_id

),

panel as (

    select
        coalesce(this_round.round_id, previous_round.round_id) as round_id,
        coalesce(this_round.previous_round_id, previous_round.previous_round_id) as previous_round_id,
        coalesce(this_round.community_id, previous_round.community_id) as community_id,
        this_round.community_id is not null as in_this_round,
        previous_round.community_id is not null as in_previous_round

    from this_round
    full outer join previous_round
        on
            this_round.round_id = previous_round.round_id
            and this_round.community_id = previous_round.community_id

),

located as (

    select
        panel.round_id,
        panel.previous_round_id,
        panel.community_id,
        case
            when panel.in_this_round and panel.in_previous_round then 'stayed'
            when panel.in_this_round then 'entered'
            else 'left'
        end as panel_status,
        panel.in_previous_round,
        panel.in_this_round,
        coalesce(latest.community_name, earlier.community_name) as community_name,
        coalesce(latest.rayon_code, earlier.rayon_code) as rayon_code,
        coalesce(latest.oblast_code, earlier.oblast_code) as oblast_code

    from panel
    left join communities as latest
        on
            panel.round_id = latest.round_id
            and panel.community_id = latest.community_id
    left join communities as earlier
        on
            panel.previous_round_id = earlier.round_id
            and panel.community_id = earlier.community_id

),

final as (

    select
        cast(round_id as integer) as round_id,
        cast(previous_round_id as integer) as previous_round_id,
        community_id,
        community_name,
        rayon_code,
        oblast_code,
        panel_status,
        in_previous_round,
        in_this_round

    from located

)

select * from final
