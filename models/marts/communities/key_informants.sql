with

informants as (

    select * from {{ ref('stg_kobo__b2_ki') }}
    where
        is_valid
        and {{ in_rounds_to_rebuild('round_id') }}

),

per_type_and_sex as (

    select
        round_id,
        coalesce(ki_type, 'unknown') as ki_type,
        coalesce(ki_sex, 'unknown') as ki_sex,
        count(*) as informants

    from informants
    group by round_id, coalesce(ki_type, 'unknown'), coalesce(ki_sex, 'unknown')

),

final as (

    select
        round_id,
        ki_type,
        ki_sex,
        informants,
        cast(100 as double) * informants / sum(informants) over (partition by round_id) as pct

    from per_type_and_sex

)

select * from final
