{#- dbt-expectations' expect_table_row_count_to_be_between, same arguments: fails
    when the row count of the rows matching row_condition (per group of the group_by
    columns, when given; columns group_1, ...) lies outside [min_value, max_value] (either bound may be
    omitted; strictly=true excludes the bounds). -#}
{% test expect_table_row_count_to_be_between(model, min_value=none, max_value=none, group_by=none, row_condition=none, strictly=false) %}

{%- set lower_op = '>' if strictly else '>=' -%}
{%- set upper_op = '<' if strictly else '<=' -%}

with row_counts as (

    {{ segmentation.grouped_row_counts(model, group_by, row_condition) }}

),

validation_errors as (

    select *
    from row_counts
    where not (
        1 = 1
        {%- if min_value is not none %} and row_count {{ lower_op }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and row_count {{ upper_op }} {{ max_value }}{% endif %}
    )

)

select * from validation_errors

{% endtest %}
