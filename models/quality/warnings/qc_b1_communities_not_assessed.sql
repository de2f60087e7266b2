{#- Warning b1_communities_not_assessed: communities listed by a valid B1 submission without a valid
    B2 submission in the round. -#}
with

b1_coverage as (

    select * from {{ ref('b1_coverage') }}
    where coverage_status = 'listed_not_assessed'

),

final as (

    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        rayon_name,
        b1_flows

    from b1_coverage

)

select * from final
