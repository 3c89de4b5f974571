{#- UNSALTED SHA-256 of an already normalised identifier, as lower-case hex: the
    form ad platforms match on (Google Customer Match, Meta Custom Audiences hash
    the trimmed, lower-cased email without a salt). Only for the audience export's
    match keys (docs/campaigns.md "Audience export"); every other PII hash is salted
    (hash_pii). Engines without a real SHA-256 refuse to compile rather than fall
    back to another hash the platforms would not match. -#}
{% macro match_key_sha256(expr) -%}
    {{- return(adapter.dispatch('match_key_sha256', 'segmentation')(expr)) -}}
{%- endmacro %}

{% macro default__match_key_sha256(expr) -%}
    {{- exceptions.raise_compiler_error(
        "match_key_sha256: no SHA-256 function known on adapter '" ~ target.type
        ~ "'; add a " ~ target.type ~ "__match_key_sha256() macro (macros/staging/match_key_sha256.sql)."
    ) -}}
{%- endmacro %}

{% macro duckdb__match_key_sha256(expr) -%}
    case when {{ expr }} is not null then {{ segmentation.duckdb__sha256_hex(expr) }} end
{%- endmacro %}

{% macro snowflake__match_key_sha256(expr) -%}
    case when {{ expr }} is not null then {{ segmentation.snowflake__sha256_hex(expr) }} end
{%- endmacro %}
