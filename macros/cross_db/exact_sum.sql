{#- Aggregate: the sum of a double expression, identical on every run. A parallel
    sum of doubles depends on the order the threads add rows in, so a rebuild on
    the same data differs in the last bits. Each term is cast to
    decimal(38, var exact_aggregate_decimals) and summed exactly (integer
    arithmetic on both engines), then returned as a double. -#}
{% macro exact_sum(expr) -%}
    cast(sum(cast(({{ expr }}) as decimal(38, {{ var('exact_aggregate_decimals') }}))) as double)
{%- endmacro %}
