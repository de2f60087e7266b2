{#- Consecutive loaded rounds: each round that has assessed communities, paired with the latest
    earlier round that has them too. A round registered but not loaded yet is skipped, so
    comparisons always pair two rounds of data. -#}
with

communities as (

    select * from {{ ref('int_b2__communities') }}

),

loaded_rounds as (

    select distinct round_id
    from communities

),

paired as (

    select
        round_id,
        lag(round_id) over (order by round_id) as previous_round_id

    from loaded_rounds

),

final as (

    select
        round_id,
        previous_round_id

    from paired
    where previous_round_id is not null

)

select * from final
