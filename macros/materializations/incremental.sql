{#- The incremental materialization on DuckDB, for `mtm build`'s incremental builds by round.

    dbt-duckdb's own materialization builds the model's rows into a temporary table, reads the
    columns of both tables several times, then deletes and inserts (strategy `round_replace`,
    macros/portable/by_round.sql). In an incremental build of `mtm build` (`$MTM_BUILD_ROUNDS` set,
    the table built before by the same project: mtm builds from scratch whenever the project
    changed) the table's shape, contract and comments are the ones the last full build checked and
    wrote (dbt's `persist_docs` is not run again: any change to the YAML is a full build). So the rows
    of the rounds to rebuild are deleted and the model's rows inserted straight from its query:
    one statement, no temporary table. When raw columns were added since the last build, the model's
    columns are compared with the table's first (dbt's `on_schema_change: fail`, with its message,
    which `mtm build` reads: new raw columns widen a staging model, which it then rebuilds whole).
    Otherwise (`$MTM_BUILD_SAME_COLUMNS`) they cannot differ and neither list is read. Either way
    the rows are inserted by name: a column of the query that the table lacks still fails.

    Everything else (no plan, the first build, `--full-refresh`, another strategy) is dbt-duckdb's
    materialization, unchanged. -#}
{% materialization incremental, adapter='duckdb' -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set plan = mtm.planned_rounds() -%}
    {%- if plan is none or existing is none or existing.is_view or should_full_refresh()
        or config.get('incremental_strategy') != 'round_replace' -%}
        {{ return(dbt.materialization_incremental_duckdb()) }}
    {%- endif -%}

    {%- set target = this.incorporate(type='table') -%}
    {%- if env_var('MTM_BUILD_SAME_COLUMNS', '') != '1' -%}
    {%- set built = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
    {%- set selected = get_column_schema_from_query(compiled_code) | map(attribute='name') | map('lower') | list -%}
    {%- if built | sort != selected | sort -%}
        {%- set added = selected | reject('in', built) | list -%}
        {%- set gone = built | reject('in', selected) | list -%}
        {{ exceptions.raise_compiler_error(
            "The source and target schemas on this incremental model are out of sync! "
            ~ "Columns of the model's query not in " ~ target ~ ": " ~ (added | join(', ') or 'none')
            ~ "; columns of the table not in the query: " ~ (gone | join(', ') or 'none')
            ~ ". Rebuild it with --full-refresh.") }}
    {%- endif -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- call statement('main') -%}
        delete from {{ target }}
        where {{ mtm.in_rounds_to_rebuild('round_id', config.get('round_scope', 'round'), target) }};

        insert into {{ target }} by name
        select * from (
            {{ compiled_code }}
        ) as model_rows
    {%- endcall -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target]}) }}
{%- endmaterialization %}
