{#- Fails when the model's row count is outside [min_value, max_value]. -#}
{% test expect_table_row_count_to_be_between(model, min_value=none, max_value=none) %}

with row_counts as (

    select count(*) as row_count from {{ model }}

),

validation_errors as (

    select row_count
    from row_counts
    where 1 = 0
        {%- if min_value is not none %} or row_count < {{ min_value }}{% endif %}
        {%- if max_value is not none %} or row_count > {{ max_value }}{% endif %}

)

select * from validation_errors

{% endtest %}
