{#- A stable integer from a text value, for deterministic random splits and
    samples (hold-outs, spot checks) that do not depend on row order. -#}
{% macro hash_bucket(expr) -%}
    {{ return(adapter.dispatch('hash_bucket', 'segmentation')(expr)) }}
{%- endmacro %}

{#- DuckDB and Snowflake both have hash(); other engines need their own version. -#}
{% macro default__hash_bucket(expr) -%}
    hash({{ expr }})
{%- endmacro %}
