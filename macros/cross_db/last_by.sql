{#- Aggregate: the value of expr on the group's last row, ordered by the columns of
    order_by (ascending, later columns break ties: the last row is the greatest),
    without a window function. The mirror of first_by, with the same assumptions. -#}
{% macro last_by(expr, order_by) -%}
    {{ return(adapter.dispatch('last_by', 'segmentation')(expr, order_by)) }}
{%- endmacro %}

{% macro default__last_by(expr, order_by) -%}
    {%- set parts = [] -%}
    {%- for column in order_by -%}
        {%- do parts.append("cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")") -%}
    {%- endfor -%}
    max_by({{ expr }}, {{ parts | join(" || '|' || ") }})
{%- endmacro %}

{% macro duckdb__last_by(expr, order_by) -%}
    {%- set fields = [] -%}
    {%- for column in order_by -%}
        {%- do fields.append("k" ~ loop.index ~ " := " ~ column) -%}
    {%- endfor -%}
    arg_max({{ expr }}, struct_pack({{ fields | join(', ') }}))
{%- endmacro %}
