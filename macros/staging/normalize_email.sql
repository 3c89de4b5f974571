{#- Canonical form of an email: trimmed and lower-cased (Unicode-aware on DuckDB and
    Snowflake, so 'José@Exämple.com' gives 'josé@exämple.com'). Two addresses that
    differ only in case or surrounding whitespace are the same person's. Punycode and
    Unicode spellings of one domain are not unified (no IDNA conversion). -#}
{% macro normalize_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}
