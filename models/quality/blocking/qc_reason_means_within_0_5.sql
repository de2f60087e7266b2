{#- Blocking check reason_means_within_0_5: every mean reason score (the GX suite wants 0-5). -#}
with

reason_scores as (

    select * from {{ ref('reason_scores') }}

),

final as (

    select
        round_id,
        population_group,
        reason_code,
        reason_label,
        cast(mean_score as double) as mean_score,
        communities_scoring

    from reason_scores

)

select * from final
