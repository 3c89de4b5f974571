{#- Canonical form of an email: trimmed and lower-cased. Two addresses that differ
    only in case or surrounding whitespace are the same person's. -#}
{% macro normalize_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}
