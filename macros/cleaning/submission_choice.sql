{#- Which submission counts when several were sent for the same thing (B1: a round and rayon,
    B2: a round and community). The rule, shared by B1 and B2: among the submissions that have a
    key and are not `validation_status_not_approved`, the latest `_submission_time` wins (ties: the
    higher `_id`, then the later sheet row). The others are kept and marked. Used as two steps:

        eligible as ({{ ranked_submissions('rows', 'key') }}),
        final as (select rows.*, {{ submission_status_columns('rows.key', 'eligible.recency_rank') }}
                  from rows left join eligible on load_id and source_row)
-#}

{#- The body of the `eligible` CTE: `load_id`, `source_row` and `recency_rank` (1 = the valid one)
    of the eligible rows of `rows` (a CTE with `round_id`, `submitted_at`, `submission_id`,
    `validation_status` and the key column `key_column`). -#}
{% macro ranked_submissions(rows, key_column) -%}
    select
        load_id,
        source_row,
        row_number() over (
            partition by round_id, {{ key_column }}
            order by submitted_at desc nulls last, submission_id desc nulls last, source_row desc
        ) as recency_rank

    from {{ rows }}
    where
        {{ key_column }} is not null
        and coalesce(validation_status, '') != 'validation_status_not_approved'
{%- endmacro %}

{#- `submission_status` (unidentified: no key; valid; superseded: an eligible but older one;
    rejected: not approved) and `is_valid`, from the row's key and its `recency_rank` (null when
    the row was not eligible). No trailing comma. -#}
{% macro submission_status_columns(key_expression, rank_expression) -%}
    case
            when {{ key_expression }} is null then 'unidentified'
            when {{ rank_expression }} = 1 then 'valid'
            when {{ rank_expression }} > 1 then 'superseded'
            else 'rejected'
        end as submission_status,
        coalesce({{ rank_expression }} = 1, false) as is_valid
{%- endmacro %}
