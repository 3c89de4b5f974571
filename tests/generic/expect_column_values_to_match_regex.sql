{#- dbt-expectations' expect_column_values_to_match_regex, same arguments and
    meaning: fails on non-null values (of the rows matching row_condition) in which
    the regex matches nowhere. Unanchored: write ^...$ for a whole-value match.
    is_raw and flags: macro regex_search. -#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=none, is_raw=false, flags='') %}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where {{ column_name }} is not null
      {%- if row_condition %}
      and ({{ row_condition }})
      {%- endif %}
      and not {{ segmentation.regex_search(column_name, regex, is_raw, flags) }}

)

select * from validation_errors

{% endtest %}
