{#- The project's own test (dbt-expectations has no per-key comparison; its
    expect_table_aggregation_to_equal_other_table compares aggregates): fails once
    per key whose column value differs from compare_column in compare_model, or
    whose key is missing on either side (nulls compare equal).
    Arguments:
      key_column          column joining the two tables (in both unless compare_key_column)
      compare_model       ref() of the table to compare with
      compare_column      column of compare_model that must equal column_name
      compare_key_column  key column name in compare_model (default: key_column)
      compare_keys_only   true: compare the keys of compare_model only (a key of model
                          missing there passes; one of compare_model missing from
                          model still fails), for a compare_model that checks a sample -#}
{% test expect_column_values_to_match_other_table(model, column_name, key_column, compare_model, compare_column, compare_key_column=none, compare_keys_only=false) %}

with model_values as (

    select
        {{ key_column }} as key_value,
        {{ column_name }} as column_value
    from {{ model }}

),

compare_values as (

    select
        {{ compare_key_column or key_column }} as key_value,
        {{ compare_column }} as column_value
    from {{ compare_model }}

),

validation_errors as (

    select
        coalesce(model_values.key_value, compare_values.key_value) as key_value,
        model_values.column_value as model_value,
        compare_values.column_value as compare_value
    from model_values
    {{ 'right' if compare_keys_only else 'full outer' }} join compare_values
        on model_values.key_value = compare_values.key_value
    where
        model_values.key_value is null
        or compare_values.key_value is null
        or not (
            model_values.column_value = compare_values.column_value
            or (model_values.column_value is null and compare_values.column_value is null)
        )

)

select * from validation_errors

{% endtest %}
