{#- One row per B2 main-sheet row of the current load of each round, typed and cleaned.
    Reasons, internal-migration reasons and services are discovered from the landed columns. -#}
{%- set cols = relation_column_names(source('kobo', 'b2_main')) -%}
{%- set ret_reasons = columns_with_prefix(cols, 'ret__ret_reasons__ret_reason_') -%}
{%- set emi_reasons = columns_with_prefix(cols, 'emi__emi_reasons__emi_reason_') -%}
{%- set int_in_reasons = columns_with_prefix(cols, 'int_in__int_in_reason_') -%}
{%- set int_out_reasons = columns_with_prefix(cols, 'int_out__int_out_reason_') -%}
{%- set services = columns_with_prefix(cols, 'svc__', ending='_avail') -%}

with

current_rows as (

    {{ current_load_rows(source('kobo', 'b2_main')) }}

),

renamed as (

    select
        {{ lineage_columns() }},
        {{ parse_whole_number('_index') }} as submission_index,
        {{ parse_whole_number(column_or_null(cols, '_id')) }} as submission_id,
        {{ safe_cast(clean_text(column_or_null(cols, '_submission_time')), 'timestamp') }} as submitted_at,
        {{ clean_code(column_or_null(cols, '_validation_status')) }} as validation_status,
        {{ safe_cast(clean_text(column_or_null(cols, 'assessment_date')), 'date') }} as assessment_date,
        {{ clean_community_id(column_or_null(cols, 'loc__community_id')) }} as community_id,
        {{ clean_text(column_or_null(cols, 'loc__community_name')) }} as community_name,
        {{ clean_code(column_or_null(cols, 'loc__oblast')) }} as oblast_choice,
        {{ clean_code(column_or_null(cols, 'loc__rayon')) }} as rayon_code,
        {{ clean_text(column_or_null(cols, 'loc__aiyl_aimak')) }} as aiyl_aimak,
        {{ clean_code(column_or_null(cols, 'loc__settlement_type')) }} as settlement_type,
        {{ numeric_answer(column_or_null(cols, 'loc__households'), 'households', 'households') }},
        {{ numeric_answer(column_or_null(cols, 'loc__population'), 'population', 'households') }},
        {{ clean_code(column_or_null(cols, 'imw__imw_present')) }} as imw_present,
        {{ numeric_answer(column_or_null(cols, 'imw__imw_stay_short'), 'imw_stay_short', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'imw__imw_stay_long'), 'imw_stay_long', 'count') }},
        {{ numeric_answer(column_or_null(cols, 'imw__imw_stay_unknown'), 'imw_stay_unknown', 'count') }},
        {{ clean_code(column_or_null(cols, 'ret__ret_present')) }} as ret_present,
        {%- for field in ret_reasons %}
        {{ numeric_answer(field.column, 'ret_reason_' ~ field.key, 'score') }},
        {%- endfor %}
        {{ clean_code(column_or_null(cols, 'emi__emi_present')) }} as emi_present,
        {%- for field in emi_reasons %}
        {{ numeric_answer(field.column, 'emi_reason_' ~ field.key, 'score') }},
        {%- endfor %}
        {{ clean_code(column_or_null(cols, 'int_in__int_in_present')) }} as int_in_present,
        {%- for field in int_in_reasons %}
        {{ numeric_answer(field.column, 'int_in_reason_' ~ field.key, 'count') }},
        {%- endfor %}
        {{ clean_code(column_or_null(cols, 'int_out__int_out_present')) }} as int_out_present,
        {%- for field in int_out_reasons %}
        {{ numeric_answer(field.column, 'int_out_reason_' ~ field.key, 'count') }},
        {%- endfor %}
        {%- for field in services %}
        {{ clean_code(field.column) }} as {{ field.key }}_avail,
        {{ numeric_answer(
            column_or_null(cols, 'svc__' ~ field.key ~ '_dist_km'), field.key ~ '_dist_km', 'distance'
        ) }},
        {%- endfor %}
        {{ clean_text(column_or_null(cols, '__version__')) }} as form_version

    from current_rows

),

final as (

    select * from renamed

)

select * from final
