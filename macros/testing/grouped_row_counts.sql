{#- The body of a CTE counting the rows of relation that match row_condition: one
    row per group of group_by (columns aliased group_1, group_2, ...), or one row
    without it; row_count is count(*) x factor. Shared by the row-count generic tests
    (tests/generic/expect_table_row_count_*), as dbt-expectations shares it. -#}
{% macro grouped_row_counts(relation, group_by=none, row_condition=none, factor=1) -%}
    select
        {%- for column in group_by or [] %}
        {{ column }} as group_{{ loop.index }},
        {%- endfor %}
        count(*) * {{ factor }} as row_count
    from {{ relation }}
    {%- if row_condition %}
    where {{ row_condition }}
    {%- endif %}
    {%- if group_by %}
    group by {{ group_by | join(', ') }}
    {%- endif %}
{%- endmacro %}
