{#- A SQL condition: `as_of_date` is the as_of date of this run (the row of the built
    int_as_of_date), or true when int_as_of_date is not built (or at parse time).
    Looked up with built_relations(), not through ref(): a data test whose arguments
    call it keeps its model as its only parent, so a selection of int_as_of_date alone
    does not pull in the tests of models it did not build. -#}
{% macro run_as_of_date_condition(column='as_of_date') -%}
    {%- set relation = segmentation.built_relations({'as_of': 'int_as_of_date'}).get('as_of') -%}
    {%- if relation is none -%}
        true
    {%- else -%}
        {{ column }} in (select as_of_date from {{ relation }})
    {%- endif -%}
{%- endmacro %}
