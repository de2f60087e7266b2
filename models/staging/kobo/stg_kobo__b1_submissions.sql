{#- B1 district submissions of the current load of each round. Per round and rayon the valid one is
    chosen by the B2 rule (latest `_submission_time` not `validation_status_not_approved`, ties: higher
    `_id`); the others are kept and marked `superseded` / `rejected` (`unidentified`: no rayon). -#}
{%- set cols = relation_column_names(source('kobo', 'b1_main')) -%}

with

source as (

    select * from {{ landed_sheet(source('kobo', 'b1_main')) }}

),

current_loads as (

    select * from {{ ref('stg_kobo__load_log') }}
    where is_current

),

current_rows as (

    select source.*
    from source
    inner join current_loads
        on source._load_id = current_loads.load_id

),

renamed as (

    select
        _load_id as load_id,
        _round_id as round_id,
        _file_name as file_name,
        _sheet_name as sheet_name,
        _source_row as source_row,
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

    select
        load_id,
        source_row,
        row_number() over (
            partition by round_id, rayon_code
            order by submitted_at desc nulls last, submission_id desc nulls last, source_row desc
        ) as recency_rank

    from renamed
    where
        rayon_code is not null
        and coalesce(validation_status, '') != 'validation_status_not_approved'

),

final as (

    select
        renamed.*,
        case
            when renamed.rayon_code is null then 'unidentified'
            when eligible.recency_rank = 1 then 'valid'
            when eligible.recency_rank > 1 then 'superseded'
            else 'rejected'
        end as submission_status,
        coalesce(eligible.recency_rank = 1, false) as is_valid

    from renamed
    left join eligible
        on
            renamed.load_id = eligible.load_id
            and renamed.source_row = eligible.source_row

)

select * from final
