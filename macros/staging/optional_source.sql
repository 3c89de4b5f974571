{#- The rows of a raw table a build may see, for a base model's `source` CTE.

    Where the table is:
      On DuckDB a raw table is a file `<raw_path>/<table>.<raw_format>` or a folder
      `<raw_path>/<table>/` of delivery files (every `*.<raw_format>` in it, read
      together, columns matched by name), the way Fivetran, Airbyte or an S3 landing
      zone deliver it. On Snowflake it is a table. source() is always called, so
      lineage and freshness stay declared.
    Missing:
      a required table (customers, orders) stops the build with an error naming the
      paths looked at; an optional one (`columns` given) yields no row with the
      contract's columns and types, so a user without web events still gets a build.
    Columns:
      the contract's columns (raw_contract(), in contract order); an optional column
      the table lacks is a typed null (check_raw_contract stops the build up front
      when a required one is missing); columns outside the contract are not read.
    Point in time:
      with as_of set (as_of()), only rows loaded by the end of that day (`_loaded_at` <
      as_of + 1 day) are read: a build as of D knows what was known on D, not rows
      that arrived later. Deletion requests pass `point_in_time=false`: erasure
      applies whatever the as_of. A row without a valid `_loaded_at` (null or
      unparseable: to_utc_timestamp) is kept (staging quarantines or keeps it by its
      own rules).

    Arguments:
      source_name, table_name  the source table, as in source()
      columns                  optional tables only (its presence makes the table
                               optional): (column name, SQL type) pairs for the empty
                               stand-in of a table outside raw_contract()
      point_in_time            apply the as_of load cut-off (default true) -#}
{% macro raw_table(source_name, table_name, columns=none, point_in_time=true) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set contract = segmentation.raw_contract().get(table_name) -%}
    {%- set readable = segmentation.raw_relation(relation, source_name, table_name, columns is none) -%}
    {%- if readable is none -%}
        {{ log("optional source " ~ source_name ~ "." ~ table_name ~ " not found: staging it empty", info=true) }}
        {%- set stand_in = columns if contract is none else [] -%}
        {%- for column in (contract or []) -%}
            {%- do stand_in.append((column[0], segmentation.raw_sql_type(column[1]))) -%}
        {%- endfor %}
        select
        {%- for column in stand_in %}
            cast(null as {{ column[1] }}) as {{ column[0] }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0
    {%- else -%}
        {%- set is_fixture = relation is string or relation.schema is none -%}
        {%- set present = {} if not execute or is_fixture else segmentation.raw_column_types(readable) -%}
        {%- if present and contract is not none %}
        select * from (
            select
            {%- for column in contract %}
                {% if column[0] in present -%}
                    {{ column[0] }}
                {%- else -%}
                    cast(null as {{ segmentation.raw_sql_type(column[1]) }}) as {{ column[0] }}
                {%- endif %}{{ "," if not loop.last }}
            {%- endfor %}
            from {{ readable }}
        ) as raw_rows
        {%- else %}
        select * from {{ readable }}
        {%- endif %}
        {%- if point_in_time and segmentation.as_of() is not none %}
            {%- set loaded_at = segmentation.to_utc_timestamp('_loaded_at', present.get('_loaded_at')) %}
        where
            {{ loaded_at }} is null
            or {{ loaded_at }} < {{ segmentation.as_of_load_cutoff() }}
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- The engine type of every contract column of a raw table as the base model will
    read it through raw_table(): the raw table's own type when the column is present,
    the contract type of its typed null when absent. {} when unknown (parsing, unit
    tests). The base models pass these to the try_parse_* macros so a column
    already typed is not parsed again. `readable` (optional) saves looking the table
    up again. -#}
{% macro raw_table_column_types(source_name, table_name, readable=none) -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if relation is string or relation.schema is none -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set readable = readable or segmentation.raw_relation(relation, source_name, table_name, false) -%}
    {%- set present = segmentation.raw_column_types(readable) -%}
    {%- set types = {} -%}
    {%- for column in segmentation.raw_contract().get(table_name, []) -%}
        {%- do types.update({
            column[0]: present.get(column[0], segmentation.raw_sql_type(column[1]) | upper)
        }) -%}
    {%- endfor -%}
    {{ return(types if present else {}) }}
{%- endmacro %}

{#- An optional raw table: raw_table() with its typed stand-in columns (from
    raw_contract(); `columns` only for a table outside it). -#}
{% macro optional_source(source_name, table_name, columns=[], point_in_time=true) -%}
    {{ segmentation.raw_table(source_name, table_name, columns, point_in_time) }}
{%- endmacro %}

{#- The first instant after the as_of date (as_of()): rows loaded at or after it
    were not known on as_of. -#}
{% macro as_of_load_cutoff() -%}
    {{ dbt.dateadd('day', 1, "cast(" ~ segmentation.sql_string(segmentation.as_of()) ~ " as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- What to select from for a raw table at run time: the source relation, a reader
    over its folder of delivery files (DuckDB), or none when it is missing. A missing
    required table raises an error naming what was looked for. -#}
{% macro raw_relation(relation, source_name, table_name, is_required) -%}
    {#- in dbt unit tests source() is a fixture CTE (no schema), which always exists -#}
    {%- if not execute or relation is string or relation.schema is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_relation', 'segmentation')(relation, source_name, table_name, is_required)) }}
{%- endmacro %}

{% macro default__raw_relation(relation, source_name, table_name, is_required) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {%- if found is none and is_required -%}
        {{ exceptions.raise_compiler_error(
            "Required raw table " ~ source_name ~ "." ~ table_name ~ " not found: expected a table "
            ~ relation ~ " (vars raw_database / raw_schema; see docs/raw_contract.md)."
        ) }}
    {%- endif -%}
    {{ return(relation if found is not none else none) }}
{%- endmacro %}

{#- DuckDB sources are files (meta external_location): one file, or a folder named
    like the file without its extension holding the deliveries. A location that is a
    function call (read_csv(...)) is trusted as it is. -#}
{% macro duckdb__raw_relation(relation, source_name, table_name, is_required) -%}
    {%- if relation.external is none -%}
        {{ return(segmentation.default__raw_relation(relation, source_name, table_name, is_required)) }}
    {%- elif '(' in relation.external -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set file_path = relation.external.strip("'") -%}
    {%- set extension = file_path.split('.')[-1] -%}
    {%- set folder_glob = file_path[:-(extension | length + 1)] ~ '/*.' ~ extension -%}
    {%- if segmentation.count_files(file_path) > 0 -%}
        {{ return(relation) }}
    {%- elif segmentation.count_files(folder_glob) > 0 -%}
        {%- set reader = 'read_parquet' if extension == 'parquet' else 'read_csv_auto' -%}
        {{ return(reader ~ "('" ~ folder_glob ~ "', union_by_name = true)") }}
    {%- elif is_required -%}
        {{ exceptions.raise_compiler_error(
            "Required raw table " ~ source_name ~ "." ~ table_name ~ " not found: expected the file "
            ~ file_path ~ " or delivery files " ~ folder_glob
            ~ ". Set SEG_RAW_PATH (or var raw_path) to the folder holding the raw tables and var raw_format"
            ~ " to their format (parquet or csv); see docs/raw_contract.md."
        ) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- How many files a DuckDB glob pattern matches. -#}
{% macro count_files(pattern) -%}
    {%- set result = run_query("select count(*) from glob(" ~ segmentation.sql_string(pattern) ~ ")") -%}
    {{ return(result.columns[0].values()[0]) }}
{%- endmacro %}
