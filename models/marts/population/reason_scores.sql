with

answers as (

    select * from {{ ref('int_b2__reason_answers') }}
    where
        answer_kind = 'score'
        and {{ in_rounds_to_rebuild('round_id') }}

),

reasons as (

    select * from {{ ref('reasons') }}

),

per_reason as (

    select
        round_id,
        population_group,
        reason_code,
        avg(case when answer_status = 'valid' then answer_value end) as mean_score,
        cast(sum(case when answer_status = 'valid' then 1 else 0 end) as bigint) as communities_scoring,
        cast(sum(case when answer_status != 'valid' then 1 else 0 end) as bigint) as invalid_answers

    from answers
    group by round_id, population_group, reason_code

),

final as (

    select
        per_reason.round_id,
        per_reason.population_group,
        per_reason.reason_code,
        coalesce(reasons.reason_label, per_reason.reason_code) as reason_label,
        per_reason.mean_score,
        per_reason.communities_scoring,
        per_reason.invalid_answers

    from per_reason
    left join reasons
        on
            per_reason.population_group = reasons.population_group
            and per_reason.reason_code = reasons.reason_code

)

select * from final
