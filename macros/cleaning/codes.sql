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
