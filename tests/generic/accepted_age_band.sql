{#- Fails on values that are not a band label of var age_band_edges_years (macro
    age_band_labels(): '<18', '18-24', ..., '65+', 'unknown' by default), nulls included. -#}
{% test accepted_age_band(model, column_name) %}

with validation_errors as (

    select {{ column_name }} as failing_value
    from {{ model }}
    where
        {{ column_name }} is null
        or {{ column_name }} not in {{ segmentation.sql_values(segmentation.age_band_labels()) }}

)

select * from validation_errors

{% endtest %}
