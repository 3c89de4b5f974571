{#- Selects every row of an optional raw table, or, when the table is missing, no
    row with the same columns and types. Only customers and orders are required: a
    user without web events (say) still gets a build, with empty staging models.

    Arguments:
      source_name, table_name  the source table, as in source()
      columns                  list of (column name, SQL type) pairs in raw-contract
                               order, used only for the empty, typed stand-in
    source() is always called, so lineage and freshness stay declared. -#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and not source_exists(relation) -%}
        {{ log("optional source " ~ source_name ~ "." ~ table_name ~ " not found: staging it empty", info=true) }}
        select
        {%- for column in columns %}
            cast(null as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0
    {%- else -%}
        select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Whether a source relation exists at run time. -#}
{% macro source_exists(relation) -%}
    {#- in dbt unit tests source() is a fixture CTE (no schema), which always exists -#}
    {%- if relation is string or relation.schema is none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(adapter.dispatch('source_exists', 'segmentation')(relation)) }}
{%- endmacro %}

{% macro default__source_exists(relation) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {{ return(found is not none) }}
{%- endmacro %}

{#- DuckDB sources are files (meta external_location): glob() tells whether the
    file is there. A location that is a function call (read_csv(...)) is trusted. -#}
{% macro duckdb__source_exists(relation) -%}
    {%- if relation.external is none -%}
        {{ return(segmentation.default__source_exists(relation)) }}
    {%- elif '(' in relation.external -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set result = run_query("select count(*) from glob(" ~ relation.external ~ ")") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}
