{#- Numeric answers of the forms and their cleaning (docs/cleaning-rules.md).

    kind:
      count      persons; -99 = key informants did not know (dont_know); other negatives out_of_range
      score      reason importance 0-5; anything else out_of_range
      distance   km; negative out_of_range
      households households; <= 0 out_of_range
      positive   other counts that must be > 0 (B1 ki_count); -99 = dont_know

    answer_status -> missing | unparseable | dont_know | out_of_range | valid
    clean_answer  -> the number when valid, else null (never -99)
-#}

{% macro answer_in_range(value, kind) -%}
    {%- if kind == 'count' -%} {{ value }} >= 0
    {%- elif kind == 'score' -%} {{ value }} between 0 and 5
    {%- elif kind == 'distance' -%} {{ value }} >= 0
    {%- elif kind in ('households', 'positive') -%} {{ value }} > 0
    {%- else -%} {{ exceptions.raise_compiler_error("unknown answer kind " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{% macro answer_status(expression, kind) -%}
    {%- set number = mtm.parse_whole_number(expression) -%}
    case
        when {{ mtm.clean_text(expression) }} is null then 'missing'
        when ({{ number }}) is null then 'unparseable'
        {%- if kind in ('count', 'positive') %}
        when ({{ number }}) = -99 then 'dont_know'
        {%- endif %}
        when not ({{ mtm.answer_in_range('(' ~ number ~ ')', kind) }}) then 'out_of_range'
        else 'valid'
    end
{%- endmacro %}

{% macro clean_answer(expression, kind) -%}
    {%- set number = mtm.parse_whole_number(expression) -%}
    case when {{ mtm.answer_in_range('(' ~ number ~ ')', kind) }} then ({{ number }}) end
{%- endmacro %}

{#- Three columns for one numeric answer: `<alias>` (clean number), `<alias>_status`, `<alias>_raw`
    (the trimmed text, kept so the quality report can show what was answered). -#}
{% macro numeric_answer(expression, alias, kind) -%}
    {{ mtm.clean_answer(expression, kind) }} as {{ alias }},
    {{ mtm.answer_status(expression, kind) }} as {{ alias }}_status,
    {{ mtm.clean_text(expression) }} as {{ alias }}_raw
{%- endmacro %}
