{#- Blocking check reconcile_published_figures (only with `mtm build --reconcile`): every row of the
    published-figures seed beside the value the marts give for its dimension and key, unrounded
    (`computed_value`). The round is the one the seed `published_reports` names for the figures.
    The gate adds `warehouse_value`, the computed value at the publication's rounding. -#}
{%- set text = string_type() -%}
{%- set computed_figures = [
    ('placed', none, 'oblasts_assessed', none, 'count(distinct case when not is_city then oblast_code end)'),
    ('placed', none, 'cities_assessed', none, 'count(distinct case when is_city then oblast_code end)'),
    ('placed', none, 'rayons_assessed', none, 'count(distinct rayon_code)'),
    ('placed', none, 'rayons_in_oblasts', none, 'count(distinct case when not is_city then rayon_code end)'),
    ('placed', none, 'rayons_in_oblast', 'oblast_code', 'count(distinct rayon_code)'),
    ('placed', none, 'communities_assessed', none, 'count(*)'),
    ('informants', none, 'key_informants', none, 'sum(informants)'),
    ('informants', none, 'ki_sex_pct', 'ki_sex', 'sum(pct)'),
    ('informants', none, 'ki_type_pct', 'ki_type', 'sum(pct)'),
    ('national', 'population_group', 'total', none, 'persons'),
    ('national', 'population_group', 'communities_reporting', none, 'communities_reporting'),
    ('national', 'population_group', 'pct_communities_reporting', none, 'pct_communities_reporting'),
    ('by_country', 'population_group', 'countries', none,
        "sum(case when country_code != 'UNK' and persons > 0 then 1 else 0 end)"),
    ('by_country', 'population_group', 'country_persons', 'country_code', 'persons'),
    ('by_country', 'population_group', 'country_pct', 'country_code', 'pct_of_group'),
    ('by_country', 'population_group', 'country_rank', 'country_code', 'rank'),
    ('by_year', 'population_group', 'year_min', none, 'min(year)'),
    ('by_year', 'population_group', 'year_max', none, 'max(year)'),
    ('by_year', 'population_group', 'partial_year', none, 'max(case when is_partial_year then year end)'),
    ('by_year', 'population_group', 'year_pct_change', 'cast(year as ' ~ text ~ ')', 'pct_change_from_previous_year'),
    ('durations', "'international_migrant_workers'", 'stay_duration_pct', 'duration_class', 'pct'),
    ('oblasts', 'population_group', 'oblast_pct', 'oblast_code', 'pct_of_national'),
    ('rayons', 'population_group', 'rayon_pct', 'rayon_code', 'pct_of_national'),
    ('rayons', 'population_group', 'rayon_rank', 'rayon_code', 'rayon_rank'),
    ('internal', 'population_group', 'reference_year', none, 'reference_year'),
    ('internal', 'population_group', 'same_rayon_pct', none, 'pct_same_rayon'),
    ('internal_reasons', 'population_group', 'internal_reason_pct', 'reason_code', 'pct'),
    ('reasons', 'population_group', 'reason_mean', 'reason_code', 'mean_score'),
    ('services', none, 'service_pct_with', 'service_code', 'pct_with'),
    ('services', none, 'service_pct_without', 'service_code', 'pct_without'),
    ('distances', none, 'distance_band_households', "service_code || '|' || distance_band", 'households'),
    ('distances', none, 'distance_total_households', 'service_code', 'sum(households)'),
] -%}
{#- figures of an aggregate per category: the column they are grouped by -#}
{%- set grouped_by = {
    'rayons_in_oblast': 'oblast_code', 'ki_sex_pct': 'ki_sex', 'ki_type_pct': 'ki_type',
    'countries': 'population_group', 'year_min': 'population_group', 'year_max': 'population_group',
    'partial_year': 'population_group', 'distance_total_households': 'service_code',
} -%}
with

figures as (

    select * from {{ ref('published_round3_figures') }}

),

reports as (

    select * from {{ ref('published_reports') }}
    where figures_seed = 'published_round3_figures'

),

oblast_list as (

    select * from {{ ref('oblasts') }}

),

communities as (

    select * from {{ ref('communities') }}
    where round_id in (select reports.round_id from reports)

),

national as (

    select * from {{ ref('national_population') }}
    where round_id in (select reports.round_id from reports)

),

by_country as (

    select * from {{ ref('population_by_country') }}
    where round_id in (select reports.round_id from reports)

),

by_year as (

    select * from {{ ref('population_by_year') }}
    where round_id in (select reports.round_id from reports)

),

informants as (

    select * from {{ ref('key_informants') }}
    where round_id in (select reports.round_id from reports)

),

durations as (

    select * from {{ ref('imw_stay_duration') }}
    where round_id in (select reports.round_id from reports)

),

oblasts as (

    select * from {{ ref('oblast_population') }}
    where round_id in (select reports.round_id from reports)

),

rayon_rows as (

    select * from {{ ref('rayon_population') }}
    where round_id in (select reports.round_id from reports)

),

internal as (

    select * from {{ ref('internal_migration') }}
    where round_id in (select reports.round_id from reports)

),

internal_reasons as (

    select * from {{ ref('internal_migration_reasons') }}
    where round_id in (select reports.round_id from reports)

),

reasons as (

    select * from {{ ref('reason_scores') }}
    where round_id in (select reports.round_id from reports)

),

services as (

    select * from {{ ref('service_availability') }}
    where round_id in (select reports.round_id from reports)

),

distances as (

    select * from {{ ref('service_distance') }}
    where round_id in (select reports.round_id from reports)

),

community_services as (

    select * from {{ ref('community_services') }}
    where round_id in (select reports.round_id from reports)

),

-- the report counts Bishkek and Osh cities apart from the seven oblasts
placed as (

    select
        communities.*,
        coalesce(oblast_list.oblast_choice like '%city', false) as is_city

    from communities
    left join oblast_list
        on communities.oblast_code = oblast_list.oblast_code

),

rayons as (

    select
        *,
        rank() over (partition by population_group order by persons desc) as rayon_rank

    from rayon_rows

),

computed as (

    {% for source, population_group, dimension, key, value in computed_figures -%}
    select
        {{ population_group or "cast(null as " ~ text ~ ")" }} as population_group,
        '{{ dimension }}' as dimension,
        {{ key or "cast(null as " ~ text ~ ")" }} as key,
        cast({{ value }} as double) as value
    from {{ source }}
    {%- if dimension in grouped_by %}
    group by {{ grouped_by[dimension] }}
    {%- endif %}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

addressed as (

    select
        figure_id,
        population_group,
        dimension,
        key,
        unit,
        rounding,
        cast(value as double) as published_value,
        coalesce(population_group, '') as group_address,
        coalesce(key, '') as key_address,
        -- `<service>|>N km` or `<service>|>=N km`
        {{ split_nth('key', '|', 1) }} as threshold_service,
        {{ split_nth('key', '|', 2) }} like '>=%' as threshold_inclusive,
        {{ safe_cast("replace(replace(replace(" ~ split_nth('key', '|', 2) ~ ", '>=', ''), '>', ''), ' km', '')",
            'integer') }} as threshold_km

    from figures

),

-- two oblasts together: `key` lists their codes joined by `+`
combined_oblasts as (

    select
        addressed.figure_id,
        case
            when
                count(oblasts.oblast_code) = length(addressed.key) - length(replace(addressed.key, '+', '')) + 1
                then sum(oblasts.pct_of_national)
        end as value

    from addressed
    left join oblasts
        on
            addressed.population_group = oblasts.population_group
            and '+' || addressed.key || '+' like '%+' || oblasts.oblast_code || '+%'
    where addressed.dimension = 'oblast_pct_combined'
    group by addressed.figure_id, addressed.key

),

-- households of the communities without the service beyond a distance, and all of them
thresholds as (

    select
        addressed.figure_id,
        addressed.dimension,
        coalesce(sum(
            case
                when addressed.threshold_inclusive and community_services.distance_km >= addressed.threshold_km
                    then community_services.households
                when not addressed.threshold_inclusive and community_services.distance_km > addressed.threshold_km
                    then community_services.households
            end
        ), 0) as beyond,
        sum(community_services.households) as total

    from addressed
    inner join community_services
        on
            addressed.threshold_service = community_services.service_code
            and not community_services.has_service
    where
        addressed.dimension in ('distance_threshold_households', 'distance_threshold_pct')
        and addressed.threshold_km is not null
    group by addressed.figure_id, addressed.dimension

),

final as (

    select
        reports.round_id,
        addressed.figure_id,
        addressed.population_group,
        addressed.dimension,
        addressed.key,
        addressed.unit,
        addressed.rounding,
        addressed.published_value,
        cast(case
            when addressed.dimension = 'oblast_pct_combined' then combined_oblasts.value
            when addressed.dimension = 'distance_threshold_households' then thresholds.beyond
            when addressed.dimension = 'distance_threshold_pct' and thresholds.total != 0
                then cast(100 as double) * thresholds.beyond / thresholds.total
            when addressed.dimension = 'distance_threshold_pct' then null
            else computed.value
        end as double) as computed_value

    from addressed
    cross join reports
    left join computed
        on
            addressed.group_address = coalesce(computed.population_group, '')
            and addressed.dimension = computed.dimension
            and addressed.key_address = coalesce(computed.key, '')
    left join combined_oblasts
        on addressed.figure_id = combined_oblasts.figure_id
    left join thresholds
        on addressed.figure_id = thresholds.figure_id

)

select * from final
