{#- dbt-expectations' expect_table_row_count_to_equal_other_table, same arguments:
    fails when the model's row count differs from factor x compare_model's (after
    row_condition / compare_row_condition). With group_by (and compare_group_by, the
    matching columns of compare_model, default group_by) the counts are compared per
    group, a group missing on one side counting 0 there. -#}
{% test expect_table_row_count_to_equal_other_table(model, compare_model, group_by=none, compare_group_by=none, factor=1, row_condition=none, compare_row_condition=none) %}

{%- set groups = group_by or [] -%}
{%- set compare_groups = compare_group_by or groups -%}
{%- if compare_groups | length != groups | length -%}
    {{ exceptions.raise_compiler_error(
        "expect_table_row_count_to_equal_other_table: group_by and compare_group_by must list as many columns"
    ) }}
{%- endif %}

with model_rows as (

    {{ segmentation.grouped_row_counts(model, groups, row_condition) }}

),

compare_rows as (

    {{ segmentation.grouped_row_counts(compare_model, compare_groups, compare_row_condition, factor) }}

),

validation_errors as (

    select
        {%- for column in groups %}
        coalesce(model_rows.group_{{ loop.index }}, compare_rows.group_{{ loop.index }}) as group_{{ loop.index }},
        {%- endfor %}
        coalesce(model_rows.row_count, 0) as model_row_count,
        coalesce(compare_rows.row_count, 0) as compare_row_count
    from model_rows
    full outer join compare_rows
        on 1 = 1
        {%- for column in groups %}
        and model_rows.group_{{ loop.index }} = compare_rows.group_{{ loop.index }}
        {%- endfor %}
    where coalesce(model_rows.row_count, 0) != coalesce(compare_rows.row_count, 0)

)

select * from validation_errors

{% endtest %}
