{#- A SQL condition: `as_of_date` is the as_of date of this run (the row of the built
    int_as_of_date), or true when int_as_of_date is not built (or at parse time).
    Looked up in the graph, not through ref(): a data test whose arguments call it
    keeps its model as its only parent, so a selection of int_as_of_date alone does
    not pull in the tests of models it did not build. -#}
{% macro run_as_of_date_condition(column='as_of_date') -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.int_as_of_date') if execute else none -%}
    {%- set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias
    ) if node else none -%}
    {%- if relation is none -%}
        true
    {%- else -%}
        {{ column }} in (select as_of_date from {{ relation }})
    {%- endif -%}
{%- endmacro %}
