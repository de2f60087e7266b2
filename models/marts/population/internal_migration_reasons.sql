with

answers as (

    select * from {{ ref('int_b2__reason_answers') }}
    where
        answer_kind = 'persons'
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
        cast(coalesce(sum(case when answer_status = 'valid' then answer_value end), 0) as bigint) as persons,
        cast(sum(case when answer_status = 'dont_know' then 1 else 0 end) as bigint) as unknown_answers

    from answers
    group by round_id, population_group, reason_code

),

final as (

    select
        per_reason.round_id,
        per_reason.population_group,
        per_reason.reason_code,
        coalesce(reasons.reason_label, per_reason.reason_code) as reason_label,
        per_reason.persons,
        cast(100 as double) * per_reason.persons / nullif(
            sum(per_reason.persons) over (partition by per_reason.round_id, per_reason.population_group), 0
        ) as pct,
        per_reason.unknown_answers

    from per_reason
    left join reasons
        on
            per_reason.population_group = reasons.population_group
            and per_reason.reason_code = reasons.reason_code

)

select * from final
