{#- True when the whole text matches the pattern. DuckDB's regexp_matches is a
    partial match, Snowflake's regexp_like is anchored: this macro gives both the
    anchored meaning. Null text gives null. -#}
{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'segmentation')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Snowflake string literals treat backslash as an escape: double it so the
    pattern reaches the regex engine unchanged. regexp_like is anchored. -#}
{% macro snowflake__regex_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern | replace("\\", "\\\\") }}')
{%- endmacro %}
