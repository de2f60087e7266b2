with

community_populations as (

    select * from {{ ref('int_b2__community_populations') }}
    where {{ in_rounds_to_rebuild('round_id') }}

),

final as (

    select
        round_id,
        community_id,
        rayon_code,
        oblast_code,
        population_group,
        persons,
        unknown_answers,
        present_answer,
        is_reporting

    from community_populations

)

select * from final
