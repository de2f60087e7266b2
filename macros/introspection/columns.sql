{#- Column discovery, so that the models follow the forms without SQL edits: a later round's
    export can add a per-year field (`imw_n_2025`), a reason or a service. Runs only at execution
    time; during parsing it returns an empty list. -#}

{#- Lower-cased column names of a relation (a source() or a ref()); an empty list for a table that
    does not exist (a form never loaded). In a dbt unit test the input is a fixture CTE that cannot be
    inspected: the result is then none, and column_or_null trusts the fixture to have the column. -#}
{% macro relation_column_names(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- if '__dbt__cte__' in (relation | string) -%}{{ return(none) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- What a staging model selects from for a landed sheet: the raw table, or, when the form was never
    loaded and the table does not exist, an empty row set with the lineage columns (every other
    column then reads as null through column_or_null). -#}
{% macro landed_sheet(relation) -%}
    {%- set names = mtm.relation_column_names(relation) -%}
    {%- if names is none or names | length > 0 -%}
    {{ relation }}
    {%- else -%}
    (
        select
            cast(null as {{ mtm.string_type() }}) as _load_id,
            cast(null as integer) as _round_id,
            cast(null as {{ mtm.string_type() }}) as _form,
            cast(null as {{ mtm.string_type() }}) as _file_name,
            cast(null as {{ mtm.string_type() }}) as _file_sha256,
            cast(null as {{ mtm.string_type() }}) as _sheet_name,
            cast(null as integer) as _source_row
        where 1 = 0
    ) as missing_sheet
    {%- endif -%}
{%- endmacro %}

{#- `name` when the relation has that column, else a typed null: a column that never appeared in any
    landed export reads as empty instead of breaking the build. -#}
{% macro column_or_null(column_names, name, data_type=none) -%}
    {%- if column_names is none or name | lower in column_names -%}{{ name }}
    {%- else -%}cast(null as {{ data_type or mtm.string_type() }})
    {%- endif -%}
{%- endmacro %}

{#- Columns named `<prefix><suffix>` whose suffix is made of digits only when `digits` is true
    (per-year fields), else any suffix (ending with `ending` when given).
    Returns a list of {'column': ..., 'key': <suffix without ending>} sorted by column name. -#}
{% macro columns_with_prefix(column_names, prefix, ending='', digits=false) -%}
    {%- set found = [] -%}
    {%- for name in (column_names or []) | sort -%}
        {%- if name.startswith(prefix) and name.endswith(ending) and name | length > (prefix | length) + (ending | length) -%}
            {%- set key = name[prefix | length:(name | length) - (ending | length)] -%}
            {%- if (not digits) or key.isdigit() -%}
                {%- do found.append({'column': name, 'key': key}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
