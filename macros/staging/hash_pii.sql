{#- Salted SHA-256 of a PII value, as lower-case hex. The salt comes from the
    environment variable SEG_PII_SALT; the default exists only so the demo runs and
    must be replaced in any real deployment (see README, "Privacy"). -#}
{% macro hash_pii(expr) -%}
    {%- set salt = env_var('SEG_PII_SALT', 'segmentation-demo-salt') -%}
    case when {{ expr }} is not null then
        {{ adapter.dispatch('sha256_hex', 'segmentation')("'" ~ salt ~ "' || " ~ expr) }}
    end
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    {{ dbt.hash(expr) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro snowflake__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}
