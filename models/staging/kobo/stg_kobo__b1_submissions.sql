{#- B1 district submissions of the current load of each round. Per round and rayon the valid one is
    chosen by the B2 rule (latest `_submission_time` not `validation_status_not_approved`, ties: higher
    `_id`; macros/cleaning/submission_choice.sql); the others are kept and marked `superseded` /
    `rejected` (`unidentified`: no rayon). -#}
{%- set cols = relation_column_names(source('kobo', 'b1_main')) -%}

with

current_rows as (

    {{ current_load_rows(source('kobo', 'b1_main')) }}

),

renamed as (

    select
        {{ lineage_columns() }},
        {{ parse_whole_number(column_or_null(cols, '_index')) }} as submission_index,
        {{ parse_whole_number(column_or_null(cols, '_id')) }} as submission_id,
        {{ safe_cast(clean_text(column_or_null(cols, '_submission_time')), 'timestamp') }} as submitted_at,
        {{ clean_code(column_or_null(cols, '_validation_status')) }} as validation_status,
        {{ safe_cast(clean_text(column_or_null(cols, 'assessment_date')), 'date') }} as assessment_date,
        {{ clean_code(column_or_null(cols, 'oblast')) }} as oblast_choice,
        {{ clean_code(column_or_null(cols, 'rayon')) }} as rayon_code,
        {{ numeric_answer(column_or_null(cols, 'ki_count'), 'ki_count', 'positive') }}

    from current_rows

),

eligible as (

    {{ ranked_submissions('renamed', 'rayon_code') }}

),

final as (

    select
        renamed.*,
        {{ submission_status_columns('renamed.rayon_code', 'eligible.recency_rank') }}

    from renamed
    left join eligible
        on
            renamed.load_id = eligible.load_id
            and renamed.source_row = eligible.source_row

)

select * from final
