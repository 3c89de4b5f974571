{#- Salted SHA-256 of a PII value, as lower-case hex. The salt never appears in the
    SQL: pii_salt() renders an expression that reads it at run time (README,
    "Privacy"; docs/snowflake.md). -#}
{% macro hash_pii(expr) -%}
    case when {{ expr }} is not null then
        {{ adapter.dispatch('sha256_hex', 'segmentation')(segmentation.pii_salt() ~ " || " ~ expr) }}
    end
{%- endmacro %}

{#- The salt as a SQL expression. DuckDB: the session variable set by the dbt-duckdb
    plugin segkit.dbt_plugins.pii_salt from env SEG_PII_SALT. Snowflake: the secure
    function created outside dbt by `python -m segkit.snowflake_secrets`. -#}
{% macro pii_salt() -%}
    {{- return(adapter.dispatch('pii_salt', 'segmentation')()) -}}
{%- endmacro %}

{% macro default__pii_salt() -%}
    {{- exceptions.raise_compiler_error(
        "hash_pii: no way to read the PII salt on adapter '" ~ target.type
        ~ "' without writing it into SQL; add a " ~ target.type ~ "__pii_salt() macro"
        ~ " (macros/staging/hash_pii.sql)."
    ) -}}
{%- endmacro %}

{% macro duckdb__pii_salt() -%}
    {{- return("getvariable('seg_pii_salt')") -}}
{%- endmacro %}

{% macro snowflake__pii_salt() -%}
    {{- return(segmentation.pii_salt_function_name() ~ "()") -}}
{%- endmacro %}

{#- Fully qualified name of the Snowflake salt function (created by
    segkit.snowflake_secrets with the same rule): <target.database>.<target.schema>.seg_pii_salt. -#}
{% macro pii_salt_function_name() -%}
    {{- return(target.database ~ '.' ~ target.schema ~ '.seg_pii_salt') -}}
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
