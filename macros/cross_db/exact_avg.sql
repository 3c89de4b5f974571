{#- Aggregate: the mean of a double expression, identical on every run: the terms
    are cast to decimal(38, var exact_aggregate_decimals), summed exactly and
    divided by the count of non-null terms; returned as a double (see exact_sum). -#}
{% macro exact_avg(expr) -%}
    cast(avg(cast(({{ expr }}) as decimal(38, {{ var('exact_aggregate_decimals') }}))) as double)
{%- endmacro %}
