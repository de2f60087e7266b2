{#- Blocking check counts_non_negative: one row per count cell of every published table
    (table, count column, grain key) with the count as a double; the GX suite wants it >= 0. -#}
{%- set text = string_type() -%}
{%- set counted = [
    ('communities', "community_id", ['households', 'key_informants']),
    ('community_population', "community_id || ' ' || population_group", ['persons', 'unknown_answers']),
    ('rayon_population', "rayon_code || ' ' || population_group", ['persons']),
    ('oblast_population', "oblast_code || ' ' || population_group",
        ['persons', 'communities_assessed', 'communities_reporting']),
    ('national_population', "population_group", ['persons', 'communities_assessed', 'communities_reporting']),
    ('population_by_country', "population_group || ' ' || country_code", ['persons']),
    ('population_by_year', "population_group || ' ' || cast(year as " ~ text ~ ")", ['persons']),
    ('reason_scores', "population_group || ' ' || reason_code", ['communities_scoring']),
    ('internal_migration', "population_group", ['persons', 'persons_same_rayon']),
    ('internal_migration_reasons', "population_group || ' ' || reason_code", ['persons']),
    ('imw_stay_duration', "duration_class", ['persons']),
    ('key_informants', "ki_type || ' ' || ki_sex", ['informants']),
    ('service_availability', "service_code", ['communities_with', 'communities_without']),
    ('service_distance', "service_code || ' ' || distance_band", ['communities', 'households']),
] -%}

with

{% for table, key, columns in counted %}
{{ table }} as (

    select * from {{ ref(table) }}

),

{% endfor %}

count_cells as (

    {% for table, key, columns in counted -%}
    {% for column in columns -%}
    select
        round_id,
        '{{ table }}' as table_name,
        '{{ column }}' as column_name,
        cast({{ key }} as {{ text }}) as grain_key,
        cast({{ column }} as double) as value
    from {{ table }}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

final as (

    select * from count_cells

)

select * from final
