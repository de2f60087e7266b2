{#- One row per availability row and source it cites (the `source_ids` list, `;`-separated, split
    on positions 1-30), kept only when the source is in the area's sources table. -#}
with

availability as (

    select * from {{ ref('stg_gap_analysis__availability') }}

),

sources as (

    select * from {{ ref('stg_gap_analysis__sources') }}

),

positions as (

    {{ gap_positions(30) }}

),

split as (

    select
        availability.country_code,
        availability.thematic_area,
        availability.indicator_code,
        availability.year,
        trim({{ split_nth('availability.source_ids', ';', 'positions.position') }}) as source_id

    from availability
    cross join positions
    where availability.source_ids is not null

),

final as (

    select distinct
        split.country_code,
        split.thematic_area,
        split.indicator_code,
        split.year,
        split.source_id

    from split
    inner join sources
        on
            split.country_code = sources.country_code
            and split.thematic_area = sources.thematic_area
            and split.source_id = sources.source_id

)

select * from final
