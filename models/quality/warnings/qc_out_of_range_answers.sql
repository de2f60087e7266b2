{#- Warning out_of_range_answers: each answer of a valid submission outside its range, not a
    number, or for a year outside the round. -#}
with

named_flagged_answers as (

    select * from {{ ref('qc_named_flagged_answers') }}

),

final as (

    select * from named_flagged_answers
    where status in ('out_of_range', 'unparseable', 'year_outside_round')

)

select * from final
