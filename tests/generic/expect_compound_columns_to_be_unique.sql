{#- dbt-expectations' expect_compound_columns_to_be_unique, same arguments: fails
    once per combination of column_list that occurs more than once (n_records), among
    the rows matching row_condition. ignore_row_if: 'all_values_are_missing'
    (default: rows whose columns are all null are left out), 'any_value_is_missing'
    or 'never'. quote_columns quotes the column names. -#}
{% test expect_compound_columns_to_be_unique(model, column_list, quote_columns=false, ignore_row_if='all_values_are_missing', row_condition=none) %}

{%- if not column_list -%}
    {{ exceptions.raise_compiler_error("expect_compound_columns_to_be_unique: column_list must list the columns") }}
{%- endif -%}
{%- set allowed = ['all_values_are_missing', 'any_value_is_missing', 'never'] -%}
{%- if ignore_row_if not in allowed -%}
    {{ exceptions.raise_compiler_error(
        "expect_compound_columns_to_be_unique: ignore_row_if is '" ~ ignore_row_if ~ "'; use one of "
        ~ allowed | join(', ')
    ) }}
{%- endif -%}
{%- set columns = [] -%}
{%- for column in column_list -%}
    {%- do columns.append(adapter.quote(column) if quote_columns else column) -%}
{%- endfor -%}
{%- set missing = [] -%}
{%- for column in columns -%}
    {%- do missing.append(column ~ ' is null') -%}
{%- endfor %}

with validation_errors as (

    select
        {{ columns | join(', ') }},
        count(*) as n_records
    from {{ model }}
    where 1 = 1
        {%- if row_condition %}
        and ({{ row_condition }})
        {%- endif %}
        {%- if ignore_row_if == 'all_values_are_missing' %}
        and not ({{ missing | join(' and ') }})
        {%- elif ignore_row_if == 'any_value_is_missing' %}
        and not ({{ missing | join(' or ') }})
        {%- endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1

)

select * from validation_errors

{% endtest %}
