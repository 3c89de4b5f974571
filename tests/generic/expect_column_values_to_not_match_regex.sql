{#- dbt-expectations' expect_column_values_to_not_match_regex, same arguments and
    meaning: fails on values (of the rows matching row_condition) in which the regex
    matches anywhere, e.g. an email- or phone-shaped text where none may be.
    Unanchored; is_raw and flags: macro regex_search. -#}
{% test expect_column_values_to_not_match_regex(model, column_name, regex, row_condition=none, is_raw=false, flags='') %}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      {%- if row_condition %}
      and ({{ row_condition }})
      {%- endif %}
      and {{ segmentation.regex_search('cast(' ~ column_name ~ ' as ' ~ dbt.type_string() ~ ')', regex, is_raw, flags) }}

)

select * from validation_errors

{% endtest %}
