{#- Fails once per combination of column_list that occurs more than once. -#}
{% test expect_compound_columns_to_be_unique(model, column_list) %}

with validation_errors as (

    select
        {{ column_list | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ column_list | join(', ') }}
    having count(*) > 1

)

select * from validation_errors

{% endtest %}
