{#- Fails on non-null values that do not fully match regex. -#}
{% test expect_column_values_to_match_regex(model, column_name, regex) %}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      and not {{ segmentation.regex_full_match(column_name, regex) }}

)

select * from validation_errors

{% endtest %}
