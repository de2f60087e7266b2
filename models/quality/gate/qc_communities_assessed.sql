{#- The communities assessed per round: the rounds the gate reports on, and the rows each warning
    looks at. -#}
with

communities as (

    select * from {{ ref('communities') }}

),

final as (

    select
        round_id,
        count(*) as communities_assessed

    from communities
    group by round_id

)

select * from final
