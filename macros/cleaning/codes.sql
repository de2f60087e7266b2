{#- Text as staging keeps it: trimmed, empty -> null. -#}
{% macro clean_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{#- A choice code (oblast, rayon, country, sex, yes/no, validation status): trimmed, lower-cased,
    empty -> null. -#}
{% macro clean_code(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- The MTM community code: trimmed and upper-cased (`c00417 ` -> `C00417`), empty -> null. -#}
{% macro clean_community_id(expression) -%}
    nullif(upper(trim({{ expression }})), '')
{%- endmacro %}

{#- A whole number stored as text (`12`, ` 12 `, `12.0`) as bigint; null when it does not parse
    or is not whole. -#}
{% macro parse_whole_number(expression) -%}
    case
        when {{ mtm.safe_cast('trim(' ~ expression ~ ')', 'double') }}
            = floor({{ mtm.safe_cast('trim(' ~ expression ~ ')', 'double') }})
            then cast({{ mtm.safe_cast('trim(' ~ expression ~ ')', 'double') }} as bigint)
    end
{%- endmacro %}

{#- A select_multiple answer as its chosen choice names separated by spaces. Kobo exports it as one
    column of names, as one 0/1 column per choice (`villages__flows__inflow`), or both: the single
    column when the export has it, else the names rebuilt from the per-choice columns (the raw table
    has one per choice of the form, so the names come from the form). -#}
{% macro multiple_choice_answer(cols, column) -%}
    {%- set prefix = column ~ '__' -%}
    {%- set choice_columns = [] -%}
    {%- for name in (cols or []) -%}
        {%- if name.startswith(prefix) -%}{%- do choice_columns.append(name) -%}{%- endif -%}
    {%- endfor -%}
    {%- if choice_columns | length == 0 -%}
    {{ column_or_null(cols, column) }}
    {%- else -%}
    coalesce(
        nullif(trim({{ column_or_null(cols, column) }}), ''),
        nullif(concat_ws(' '
            {%- for name in choice_columns %},
            case when lower(trim({{ name }})) in ('1', 'true') then '{{ name[prefix | length:] }}' end
            {%- endfor %}), '')
    )
    {%- endif -%}
{%- endmacro %}
