{#- Duration of stay of international migrant workers, unpivoted: one row per valid community and
    duration class with an answer. -#}
{%- set keep = ['load_id', 'round_id', 'source_row', 'community_id', 'rayon_code', 'is_valid'] -%}

with

answers as (

    {{ unpivot_answers(ref('stg_kobo__b2_submissions'), 'imw_stay_', 'stay_field', keep) }}

),

final as (

    select
        load_id,
        round_id,
        source_row,
        community_id,
        rayon_code,
        case stay_field
            when 'short' then 'less_than_6_months'
            when 'long' then '6_months_or_more'
            when 'unknown' then 'unknown'
        end as duration_class,
        answer_value as persons,
        answer_status,
        answer_raw

    from answers
    where is_valid

)

select * from final
