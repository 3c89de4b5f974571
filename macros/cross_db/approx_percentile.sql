{#- Approximate percentile of expr (fraction in [0, 1]) for large tables, where an
    exact percentile sorts the whole column: Snowflake's t-digest approx_percentile,
    DuckDB's approx_quantile. Results differ slightly between engines and runs on
    different data orders: use it for thresholds reported, not for tested values. -#}
{% macro approx_percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('approx_percentile', 'segmentation')(expr, fraction)) }}
{%- endmacro %}

{% macro default__approx_percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__approx_percentile(expr, fraction) -%}
    approx_quantile({{ expr }}, {{ fraction }})
{%- endmacro %}

{% macro snowflake__approx_percentile(expr, fraction) -%}
    approx_percentile({{ expr }}, {{ fraction }})
{%- endmacro %}
