{#- dbt-expectations' expect_column_values_to_be_between, same arguments: fails on
    rows whose value lies outside [min_value, max_value] (either bound may be
    omitted, not both; strictly=true excludes the bounds), among the rows matching
    row_condition. Nulls pass: test them with not_null. -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, row_condition=none, strictly=false) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("expect_column_values_to_be_between: give min_value, max_value or both") }}
{%- endif -%}
{%- set lower_op = '>' if strictly else '>=' -%}
{%- set upper_op = '<' if strictly else '<=' -%}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      {%- if row_condition %}
      and ({{ row_condition }})
      {%- endif %}
      and not (
        1 = 1
        {%- if min_value is not none %} and {{ column_name }} {{ lower_op }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and {{ column_name }} {{ upper_op }} {{ max_value }}{% endif %}
      )

)

select * from validation_errors

{% endtest %}
