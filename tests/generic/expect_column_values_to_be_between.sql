{#- Fails on rows whose value lies outside [min_value, max_value] (either bound
    optional; strictly=true excludes the bounds). Nulls pass: test them with not_null. -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, strictly=false) %}

{%- set lower_op = '>' if strictly else '>=' -%}
{%- set upper_op = '<' if strictly else '<=' -%}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      and not (
        1 = 1
        {%- if min_value is not none %} and {{ column_name }} {{ lower_op }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and {{ column_name }} {{ upper_op }} {{ max_value }}{% endif %}
      )

)

select * from validation_errors

{% endtest %}
