{#- The ten thematic areas of the Migration Data Gap Analysis in report order; English only (the
    gap workbook and its report have no Russian or Kyrgyz labels). -#}
with

thematic_areas as (

    select * from {{ ref('gap_thematic_areas') }}

),

final as (

    select
        thematic_area,
        area_label as label_en,
        report_section,
        sort_order

    from thematic_areas

)

select * from final
