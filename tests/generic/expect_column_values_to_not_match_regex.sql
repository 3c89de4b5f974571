{#- Fails on values that fully match regex: the privacy guard uses it to prove no
    email- or phone-shaped text leaves staging. -#}
{% test expect_column_values_to_not_match_regex(model, column_name, regex) %}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      and {{ segmentation.regex_full_match('cast(' ~ column_name ~ ' as ' ~ dbt.type_string() ~ ')', regex) }}

)

select * from validation_errors

{% endtest %}
