{#- `dbt source freshness`: dbt's collect_freshness (max of loaded_at_field against
    the current time) with two project rules, on both engines:

    - The clock (freshness_clock): the wall clock, except for a generated sample
      data set (the raw folder holds the generator's _manifest.json), which is a
      snapshot taken at the end of its end_date: `make demo` data is judged as of the
      day it describes, so freshness passes right after `make demo` and the data
      stays deterministic. Real data has no such file and is judged by the wall clock.
    - A raw table the contract marks optional that is absent (DuckDB: no file or
      delivery folder) has nothing to measure: it passes with a log line, as staging
      stages it empty. A file delivered once and never again is measured and goes
      stale.

    The root project's macro replaces dbt's own of the same name. -#}
{% macro collect_freshness(source, loaded_at_field, filter) -%}
    {%- set readable = segmentation.freshness_relation(source) -%}
    {%- call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        {%- if readable is none %}
        select
            {{ segmentation.freshness_clock() }} as max_loaded_at,
            {{ segmentation.freshness_clock() }} as snapshotted_at
        {%- else %}
        select
            max({{ loaded_at_field }}) as max_loaded_at,
            {{ segmentation.freshness_clock() }} as snapshotted_at
        from {{ readable }}
        {%- if filter %}
        where {{ filter }}
        {%- endif %}
        {%- endif %}
    {%- endcall -%}
    {{ return(load_result('collect_freshness')) }}
{%- endmacro %}

{#- What the freshness query reads: the source relation, a DuckDB reader over a
    delivery folder, or none for an absent optional table (raw_relation). -#}
{% macro freshness_relation(source) -%}
    {%- set entry = segmentation.raw_contract_sources().get(source.identifier) -%}
    {%- if entry is none -%}
        {{ return(source) }}
    {%- endif -%}
    {%- set readable = segmentation.raw_relation(
        source, entry.source_name, source.identifier, not entry.is_optional
    ) -%}
    {%- if readable is none -%}
        {{ log("optional source " ~ entry.source_name ~ "." ~ source.identifier
            ~ " not found: no freshness to measure", info=true) }}
    {%- endif -%}
    {{ return(readable) }}
{%- endmacro %}

{#- The time freshness is measured at, as a SQL expression (dispatched). -#}
{% macro freshness_clock() -%}
    {{ return(adapter.dispatch('freshness_clock', 'segmentation')()) }}
{%- endmacro %}

{% macro default__freshness_clock() -%}
    {{ return(dbt.current_timestamp()) }}
{%- endmacro %}

{#- DuckDB: the end of the generator's end_date when the raw folder holds its
    _manifest.json, else the wall clock. -#}
{% macro duckdb__freshness_clock() -%}
    {%- set manifest = env_var('SEG_RAW_PATH', var('raw_path')) ~ '/_manifest.json' -%}
    {%- if execute and segmentation.count_files(manifest) > 0 -%}
        {%- set end_date = run_query(
            "select json_extract_string(content, '$.end_date') from read_text("
            ~ segmentation.sql_string(manifest) ~ ")"
        ).columns[0].values()[0] -%}
        {%- if end_date -%}
            {{ return(
                "cast(cast(" ~ segmentation.sql_string(end_date) ~ " as date) + interval 1 day as timestamp)"
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(dbt.current_timestamp()) }}
{%- endmacro %}
