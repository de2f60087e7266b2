{#- Warning internal_reasons_vs_counts: valid submissions whose persons per internal-migration
    reason (all usable answers) differ from the persons counted by rayon of origin (internal
    migrants) or of destination (internal out-migrants). Reason fields are discovered from the
    staging model's columns (`<field>`, `<field>_status`, `<field>_raw`). -#}
{%- set names = relation_column_names(ref('stg_kobo__b2_submissions')) -%}
{%- set groups = [] -%}
{%- set reason_groups = [('int_in_reason_', 'internal_migrants'), ('int_out_reason_', 'internal_out_migrants')] -%}
{%- for prefix, group in reason_groups -%}
{%- set fields = [] -%}
{%- for found in columns_with_prefix(names, prefix, ending='_status') -%}
{%- if (prefix ~ found.key) in names and (prefix ~ found.key ~ '_raw') in names -%}
{%- do fields.append(found.key) -%}
{%- endif -%}
{%- endfor -%}
{%- if fields | length > 0 -%}
{%- do groups.append({'prefix': prefix, 'group': group, 'fields': fields}) -%}
{%- endif -%}
{%- endfor -%}
with

submissions as (

    select * from {{ ref('stg_kobo__b2_submissions') }}
    where is_valid

),

community_population as (

    select * from {{ ref('community_population') }}

),

reason_totals as (

    {% for found in groups -%}
    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        '{{ found.group }}' as population_group,
        {% for key in found.fields -%}
        coalesce({{ found.prefix ~ key }}, 0){{ " +" if not loop.last }}
        {% endfor -%}
        as persons_by_reason,
        {% for key in found.fields -%}
        '{{ key }}=' || coalesce({{ found.prefix ~ key }}_raw, ''){{ " || ', ' ||" if not loop.last }}
        {% endfor -%}
        as reason_answers
    from submissions
    where
        {% for key in found.fields -%}
        coalesce({{ found.prefix ~ key }}_status, 'missing') in ('valid', 'missing'){{ " and" if not loop.last }}
        {% endfor %}
    {% if not loop.last %}union all
    {% endif %}
    {%- else -%}
    select
        round_id,
        community_id,
        community_name,
        rayon_code,
        cast(null as {{ string_type() }}) as population_group,
        cast(null as bigint) as persons_by_reason,
        cast(null as {{ string_type() }}) as reason_answers
    from submissions
    where 1 = 0
    {%- endfor %}

),

compared as (

    select
        reason_totals.round_id,
        reason_totals.community_id,
        reason_totals.community_name,
        reason_totals.rayon_code,
        reason_totals.population_group,
        coalesce(community_population.persons, 0) as persons_by_rayon,
        reason_totals.persons_by_reason,
        reason_totals.reason_answers

    from reason_totals
    left join community_population
        on
            reason_totals.round_id = community_population.round_id
            and reason_totals.community_id = community_population.community_id
            and reason_totals.population_group = community_population.population_group

),

final as (

    select * from compared
    where persons_by_reason != persons_by_rayon

)

select * from final
