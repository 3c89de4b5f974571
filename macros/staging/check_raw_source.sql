{#- on-run-start, after check_raw_contract: one database holds one raw data set.
    History (segment_history, segment_drift), the cluster model life cycle and
    incremental models compare a build with the builds before it in the same
    database; a build of another data set into it would mix the two (drift between
    unrelated customers, cluster ids carried over from the other data). So the first
    build that writes a database records where its raw data came from, and a later
    build from anywhere else stops before any model runs, naming both sources and the
    setting that gives the new data set a database of its own.

    Only commands that write models (build, run, seed, snapshot) record or stop;
    compile, test, docs and freshness read. A run that reads no raw table
    (selects_raw_sources(): the cluster assignment alone, a seed) cannot mix data
    sets and neither records nor stops. Var accept_new_raw_source: true records the
    new source instead (the same data moved to another folder or schema). -#}
{% macro check_raw_source() -%}
    {%- if execute and flags.WHICH in ['build', 'run', 'seed', 'snapshot'] and segmentation.selects_raw_sources() -%}
        {%- set current = segmentation.raw_source_identity() -%}
        {%- set record = segmentation.raw_source_record() -%}
        {%- set found = adapter.get_relation(
            database=record.database, schema=record.schema, identifier=record.identifier
        ) -%}
        {%- set values = [] if found is none
            else run_query("select raw_source from " ~ found).columns[0].values() | list -%}
        {%- set recorded = values[0] if values else none -%}
        {%- if recorded is not none and recorded != current and not var('accept_new_raw_source') -%}
            {{ exceptions.raise_compiler_error(
                "This database was built from other raw data; nothing was built.\n"
                ~ "  database:          " ~ segmentation.raw_source_database() ~ "\n"
                ~ "  built from:        " ~ recorded ~ "\n"
                ~ "  this run reads:    " ~ current ~ "\n"
                ~ "One database holds one data set: history, drift and cluster ids compare a build"
                ~ " with the builds before it. " ~ adapter.dispatch('raw_source_advice', 'segmentation')()
                ~ " If it is the same data moved, add --vars '{accept_new_raw_source: true}'"
                ~ " (README, \"Using your own data\")."
            ) }}
        {%- endif -%}
        {%- if recorded != current -%}
            {%- do adapter.create_schema(record) -%}
            {%- do run_query(
                "create or replace table " ~ record ~ " as select "
                ~ segmentation.sql_string(current) ~ " as raw_source, "
                ~ dbt.current_timestamp() ~ " as recorded_at"
            ) -%}
        {%- endif -%}
        {{ log("Raw data " ~ current ~ " -> database " ~ segmentation.raw_source_database(), info=true) }}
    {%- endif -%}
{%- endmacro %}

{#- The table holding a database's raw source: one row, in the target's schema. -#}
{% macro raw_source_record() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='segmentation_raw_source'
    )) }}
{%- endmacro %}

{#- Where the raw data of this run comes from, as text. -#}
{% macro raw_source_identity() -%}
    {{ return(adapter.dispatch('raw_source_identity', 'segmentation')()) }}
{%- endmacro %}

{#- Snowflake and other engines: the raw tables' database and schema. -#}
{% macro default__raw_source_identity() -%}
    {{ return((var('raw_database') or target.database) ~ '.' ~ var('raw_schema')) }}
{%- endmacro %}

{#- DuckDB: the raw folder as given (env SEG_RAW_PATH, else var raw_path), without a
    leading ./ or trailing /. The same folder spelled relative once and absolute once
    counts as two sources: the error says so, and accept_new_raw_source settles it. -#}
{% macro duckdb__raw_source_identity() -%}
    {%- set path = env_var('SEG_RAW_PATH', '') or var('raw_path') -%}
    {%- set path = path[2:] if path.startswith('./') else path -%}
    {{ return(path.rstrip('/') or '/') }}
{%- endmacro %}

{#- The database this run writes, for messages: the DuckDB file or the Snowflake
    database.schema. -#}
{% macro raw_source_database() -%}
    {{ return(target.path if target.type == 'duckdb' else target.database ~ '.' ~ target.schema) }}
{%- endmacro %}

{#- The setting that gives a data set its own database. -#}
{% macro default__raw_source_advice() -%}
    {{ return(
        "Build this data set into a database or schema of its own: set SNOWFLAKE_DATABASE or"
        ~ " SNOWFLAKE_SCHEMA (profiles.yml)."
    ) }}
{%- endmacro %}

{% macro duckdb__raw_source_advice() -%}
    {{ return(
        "Build this data set into a file of its own: set SEG_DUCKDB_PATH (e.g. SEG_DUCKDB_PATH="
        ~ "data/<name>.duckdb), or leave it unset with SEG_RAW_PATH set and the profile derives"
        ~ " data/<raw folder name>.duckdb; `make build RAW=<folder>` does the same."
    ) }}
{%- endmacro %}
