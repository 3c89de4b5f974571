{#- Aggregate: the value of expr on the group's first row, ordered by the columns
    of order_by (ascending, later columns break ties), without a window function.
    Use it for "the first event's device" where a row_number() over the group would
    sort every row with all its columns. Assumes the order columns are not null.

    DuckDB compares a struct of the order columns field by field. Snowflake's
    min_by takes one key: the order columns cast to text and joined, which orders
    correctly for the fixed-width timestamps and ids it is used with. -#}
{% macro first_by(expr, order_by) -%}
    {{ return(adapter.dispatch('first_by', 'segmentation')(expr, order_by)) }}
{%- endmacro %}

{% macro default__first_by(expr, order_by) -%}
    {%- set parts = [] -%}
    {%- for column in order_by -%}
        {%- do parts.append("cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")") -%}
    {%- endfor -%}
    min_by({{ expr }}, {{ parts | join(" || '|' || ") }})
{%- endmacro %}

{% macro duckdb__first_by(expr, order_by) -%}
    {%- set fields = [] -%}
    {%- for column in order_by -%}
        {%- do fields.append("k" ~ loop.index ~ " := " ~ column) -%}
    {%- endfor -%}
    arg_min({{ expr }}, struct_pack({{ fields | join(', ') }}))
{%- endmacro %}
