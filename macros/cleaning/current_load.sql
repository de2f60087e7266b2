{#- Shared pieces of the Kobo staging models (main sheets and repeat sheets). -#}

{#- The body of a staging model's `current_rows` CTE: the landed rows of `relation` (a Kobo sheet
    source) that belong to the current load of their round (`stg_kobo__load_log.is_current`).
    Older loads of a round stay in raw and in the load log; staging reads only the current one.
    A semi-join, not a join: `landed_sheet` may stand for an aliased empty select (a sheet that
    never landed), and `load_id` is the load log's grain, so each landed row is kept at most once. -#}
{% macro current_load_rows(relation) -%}
    select *
    from {{ mtm.landed_sheet(relation) }}
    {%- set current_loads -%}
        select load_id from {{ ref('stg_kobo__load_log') }}
        where
            is_current
            and {{ mtm.in_rounds_to_rebuild('round_id') }}
    {%- endset %}
    where _load_id in (
        {%- if this is not none and is_incremental() %}
        {#- only the rounds to rebuild: their loads as constants, so only their row groups are read #}
        {{ mtm.constant_list(current_loads) }}
        {%- else %}
        {{ current_loads }}
        {%- endif %}
    )
{%- endmacro %}

{#- The lineage columns every Kobo staging model starts with: the raw `_load_id`, `_round_id`,
    `_file_name`, `_sheet_name`, `_source_row` renamed without the underscore. No trailing comma. -#}
{% macro lineage_columns() -%}
    _load_id as load_id,
        _round_id as round_id,
        _file_name as file_name,
        _sheet_name as sheet_name,
        _source_row as source_row
{%- endmacro %}
