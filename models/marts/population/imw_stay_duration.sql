with

answers as (

    select * from {{ ref('int_b2__imw_stay') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

assessed_rounds as (

    select distinct round_id
    from {{ ref('int_b2__communities') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

classes as (

    select
        'less_than_6_months' as duration_class,
        1 as sort_order
    union all
    select
        '6_months_or_more' as duration_class,
        2 as sort_order
    union all
    select
        'unknown' as duration_class,
        3 as sort_order

),

per_class as (

    select
        round_id,
        duration_class,
        cast(coalesce(sum(case when answer_status = 'valid' then persons end), 0) as bigint) as persons,
        cast(sum(case when answer_status = 'dont_know' then 1 else 0 end) as bigint) as unknown_answers

    from answers
    group by round_id, duration_class

),

joined as (

    select
        assessed_rounds.round_id,
        classes.duration_class,
        coalesce(per_class.persons, 0) as persons,
        coalesce(per_class.unknown_answers, 0) as unknown_answers

    from assessed_rounds
    cross join classes
    left join per_class
        on
            assessed_rounds.round_id = per_class.round_id
            and classes.duration_class = per_class.duration_class

),

final as (

    select
        round_id,
        duration_class,
        persons,
        cast(100 as double) * persons / nullif(sum(persons) over (partition by round_id), 0) as pct,
        unknown_answers

    from joined

)

select * from final
