{#- Warning unknown_answers: the -99 (don't know) answers of valid submissions, one row per
    community: how many and in which fields. -#}
with

named_flagged_answers as (

    select * from {{ ref('qc_named_flagged_answers') }}
    where status = 'dont_know'

),

final as (

    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        count(*) as answers_99,
        {{ distinct_list('field', ', ') }} as fields

    from named_flagged_answers
    group by
        round_id,
        community_id,
        community_name,
        rayon_code

)

select * from final
