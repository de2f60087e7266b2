{#- Blocking check communities_known_rayon_oblast: every community with its rayon and oblast
    (the GX suite wants them filled and the oblast code in the seed `oblasts`). -#}
with

communities as (

    select * from {{ ref('communities') }}

),

final as (

    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        rayon_name,
        oblast_code,
        oblast_name

    from communities

)

select * from final
