with

listed as (

    select * from {{ ref('int_b1__listed_communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

assessed as (

    select * from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

b1_rounds as (

    select distinct round_id
    from {{ ref('stg_kobo__b1_submissions') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

rayons as (

    select * from {{ ref('rayons') }}

),

oblasts as (

    select * from {{ ref('oblasts') }}

),

assessed_in_b1_rounds as (

    select assessed.*
    from assessed
    inner join b1_rounds
        on assessed.round_id = b1_rounds.round_id

),

matched as (

    select
        coalesce(listed.round_id, assessed_in_b1_rounds.round_id) as round_id,
        coalesce(listed.rayon_code, assessed_in_b1_rounds.rayon_code) as rayon_code,
        coalesce(listed.community_key, assessed_in_b1_rounds.community_id) as community_key,
        coalesce(listed.matched_community_id, assessed_in_b1_rounds.community_id) as community_id,
        coalesce(assessed_in_b1_rounds.community_name, listed.community_name) as community_name,
        listed.community_key is not null as is_listed_by_b1,
        assessed_in_b1_rounds.community_id is not null as is_assessed_by_b2,
        listed.flows as b1_flows,
        listed.match_method,
        assessed_in_b1_rounds.rayon_code as b2_rayon_code

    from listed
    full outer join assessed_in_b1_rounds
        on
            listed.round_id = assessed_in_b1_rounds.round_id
            and listed.matched_community_id = assessed_in_b1_rounds.community_id

),

final as (

    select
        matched.round_id,
        matched.rayon_code,
        rayons.rayon_name,
        oblasts.oblast_code,
        matched.community_key,
        matched.community_id,
        matched.community_name,
        matched.is_listed_by_b1,
        matched.is_assessed_by_b2,
        case
            when matched.is_listed_by_b1 and matched.is_assessed_by_b2 then 'listed_and_assessed'
            when matched.is_listed_by_b1 then 'listed_not_assessed'
            else 'assessed_not_listed'
        end as coverage_status,
        matched.b1_flows,
        matched.match_method,
        matched.b2_rayon_code

    from matched
    left join rayons
        on matched.rayon_code = rayons.rayon_code
    left join oblasts
        on rayons.oblast_choice = oblasts.oblast_choice

)

select * from final
