{#- Incremental builds by round (docs/architecture.md, "Incremental builds").

    A model whose grain includes the round is materialized `incremental` on DuckDB (dbt_project.yml)
    with the strategy `round_replace` below: the rounds `mtm build` passes in `$MTM_BUILD_ROUNDS`
    (those whose current loads changed since the last successful build) are deleted and inserted
    again; every other round's rows stay as they are. On other adapters (Spark: plain Parquet, no
    delete) these models are full tables and the filters below are `true`.

    The model's SQL reads only the rounds to rebuild through `in_rounds_to_rebuild(column)`, placed
    where the model first reads a round-grained relation. Without the variable (dbt run by hand)
    every round is rebuilt: the filter is `true` and the delete takes every row. -#}

{#- The rounds of `mtm build`'s plan: `$MTM_BUILD_ROUNDS` (comma-separated; empty: no round), as a
    sorted list of integers; none when the variable is not set (every round). Read only when a node
    runs, never while dbt parses: dbt re-parses the files that read an environment variable at parse
    time whenever its value changes, and this one changes with every build. -#}
{% macro planned_rounds() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = env_var('MTM_BUILD_ROUNDS', 'every') -%}
    {%- if text == 'every' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(text.split(',') | map('trim') | reject('equalto', '') | map('int') | sort | list) }}
{%- endmacro %}

{#- `values` as a SQL list of constants (`null` when empty). -#}
{% macro round_list(values) -%}
    {{ return(values | join(', ') if values else 'null') }}
{%- endmacro %}

{#- A boolean SQL expression: `column` is a round to rebuild in this run. `scope`:
    - 'round': the rounds of the plan;
    - 'pair': for cross-round models whose rows carry `round_id` and `previous_round_id` (the pairs
      of int_round_comparison__round_pairs): the later round of every pair that touches a round of
      the plan, that is new, or that no longer exists (its round is deleted and not inserted).
    `relation`: the model's table (default `this`). In dbt's unit tests (no `this`) every round. -#}
{% macro in_rounds_to_rebuild(column, scope='round', relation=none) -%}
    {%- set plan = mtm.planned_rounds() if (this is not none and is_incremental()) else none -%}
    {%- if plan is none -%}
        true
    {%- elif scope == 'pair' -%}
        {{ column }} in ({{ mtm.round_list(mtm.rounds_to_rebuild(plan, relation or this)) }})
    {%- else -%}
        {{ column }} in ({{ mtm.round_list(plan) }})
    {%- endif -%}
{%- endmacro %}

{#- The values the one-column `query` returns, run now (when the model or test runs, after its
    parents were built), as a SQL list of constants (`null` when there are none). A constant list
    lets DuckDB skip whole row groups by their min/max (rounds and loads land in order), where a
    subquery would scan every round's rows. -#}
{% macro constant_list(query) -%}
    {%- if not execute -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set values = run_query(query).columns[0].values() -%}
    {%- set quoted = [] -%}
    {%- for value in values | sort -%}
        {%- if value is number -%}
            {%- do quoted.append(value | int | string) -%}
        {%- else -%}
            {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(quoted | join(', ') if quoted else 'null') }}
{%- endmacro %}

{#- The rounds (a sorted list) whose pairs of int_round_comparison__round_pairs a cross-round model
    rebuilds: the rounds of the plan; the later round of every pair that touches one of them or that
    `relation` does not hold yet; every round of `relation` whose pair no longer exists (its rows
    are deleted and not inserted). -#}
{% macro rounds_to_rebuild(plan, relation) -%}
    {%- set pairs = ref('int_round_comparison__round_pairs') -%}
    {%- set query -%}
        {#- the table's pairs taken distinct first: a handful of rows to compare, not one per row -#}
        with built as (
            select distinct round_id, previous_round_id from {{ relation }}
        ),
        later as (
            select round_id, previous_round_id from {{ pairs }}
        )
        select round_id from later where previous_round_id in ({{ mtm.round_list(plan) }})
        union
        select round_id from (select * from later except select * from built) as new_pairs
        union
        select round_id from (select * from built except select * from later) as gone_pairs
    {%- endset -%}
    {%- set found = run_query(query).columns[0].values() | map('int') | list if execute else [] -%}
    {{ return((plan + found) | unique | sort | list) }}
{%- endmacro %}

{#- dbt's hook for the custom incremental strategy `round_replace` (config incremental_strategy).
    dbt runs the model's SQL (filtered to the rounds to rebuild) into a temporary table first, then
    this: delete the rounds to rebuild (also those that now have no rows at all), insert the new rows. -#}
{% macro get_incremental_round_replace_sql(arg_dict) -%}
    {{ return(adapter.dispatch('round_replace_sql', 'mtm')(arg_dict)) }}
{%- endmacro %}

{% macro default__round_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ mtm.in_rounds_to_rebuild('round_id', config.get('round_scope', 'round'), target) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- dbt's tests read the model under test through `get_where_subquery` (its `where` config). In an
    incremental build a test reads only the rounds whose rows this build may have changed when it
    checks rows one at a time (not_null, accepted_values, relationships) or a grain that cannot span
    rounds (unique_grain with round_id, or with load_id on a model that has round_id: a load is of
    one round); the other rounds' rows have not changed since the build that tested them. That is:
    - an incremental model by round: the rounds of the plan;
    - a cross-round incremental model (`round_scope: pair`) or a quality view (`models/quality/`,
      whose rows may compare a round with the one before): every round from the plan's earliest on.
    Every other test reads the whole model. -#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set conditions = [where] if where else [] -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set attached = graph.nodes.get(model.get('attached_node')) if execute and model.get('attached_node') else none -%}
    {%- set grain = test.get('kwargs', {}).get('columns') or [] -%}
    {%- set by_row = test.get('name') in ('not_null', 'accepted_values', 'relationships') -%}
    {%- set by_round = test.get('name') == 'unique_grain' and ('round_id' in grain
        or ('load_id' in grain and attached and 'round_id' in attached.columns)) -%}
    {%- set incremental = attached and attached.config.materialized == 'incremental' -%}
    {%- set quality_view = attached and attached.config.materialized == 'view' and attached.fqn[1] == 'quality' -%}
    {%- if (incremental or quality_view) and (by_row or by_round) -%}
        {%- set plan = mtm.planned_rounds() -%}
        {%- if plan is not none and incremental and attached.config.get('round_scope', 'round') == 'round' -%}
            {%- do conditions.append('round_id in (' ~ mtm.round_list(plan) ~ ')') -%}
        {%- elif plan is not none -%}
            {%- do conditions.append('round_id >= (' ~ mtm.round_list(plan[:1]) ~ ')') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
