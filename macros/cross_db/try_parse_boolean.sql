{#- A raw value as a boolean, or null when it does not parse ('maybe'). Each engine
    accepts its usual spellings (true/false, t/f, 1/0; Snowflake also yes/no, on/off).
    raw_type: see raw_type_class. -#}
{% macro try_parse_boolean(expr, raw_type=none) -%}
    {{ return(adapter.dispatch('try_parse_boolean', 'segmentation')(expr, raw_type)) }}
{%- endmacro %}

{% macro default__try_parse_boolean(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind == 'boolean' -%}
        {{ expr }}
    {%- elif kind == 'text' -%}
        try_cast({{ expr }} as boolean)
    {%- else -%}
        try_cast(cast({{ expr }} as {{ dbt.type_string() }}) as boolean)
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__try_parse_boolean(expr, raw_type) -%}
    {%- if segmentation.raw_type_class(raw_type) == 'boolean' -%}
        {{ expr }}
    {%- else -%}
        try_cast({{ expr }} as boolean)
    {%- endif -%}
{%- endmacro %}
