{#- The change log of the history marts the publication carries over (DuckDB;
    docs/bi.md "A growing history"). The publication copies every public mart into
    its file each night; the history marts grow by one as_of_date a night, so
    copying them whole grows with the history (about 1 s per stored night at 1M
    customers). A history mart whose pre-hook is record_history_change() writes one
    entry per as_of_date it replaces (or one 'rebuilt' entry when it is built from
    scratch) into the table history_change_log(), in the transaction that changes
    the mart; the publication applies to the previous-but-one publication only the
    entries it does not reflect yet. -#}

{#- The log table: the default schema of the target (not marts: `python -m
    segkit.publish` publishes every table of the marts schema). -#}
{% macro history_change_log() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='_segkit_history_changes'
    )) }}
{%- endmacro %}

{#- on-run-start: creates the log table once, before any model (the history marts
    run in parallel threads and only insert). Dispatched: nothing on other engines,
    which publish nothing. -#}
{% macro create_history_change_log() -%}
    {{ return(adapter.dispatch('create_history_change_log', 'segmentation')()) }}
{%- endmacro %}

{% macro default__create_history_change_log() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__create_history_change_log() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set log = segmentation.history_change_log() -%}
    create schema if not exists {{ adapter.quote(log.schema) }};
    create table if not exists {{ log }} (
        entry_id varchar not null,
        logged_at timestamp with time zone not null,
        invocation_id varchar not null,
        table_name varchar not null,
        change varchar not null,
        as_of_date date
    )
{%- endmacro %}

{#- Pre-hook (inside the model's transaction, so an entry exists exactly when the
    change was committed) of an incremental history mart kept per as_of_date with
    delete+insert on unique_key as_of_date: one 'replaced' entry per as_of_date of
    `source` (the model's input, whose dates are the ones delete+insert replaces),
    or one 'rebuilt' entry when the mart is built from scratch (first build,
    --full-refresh). The publication carries over exactly the marts with this
    pre-hook (publication_carried_marts). Purges of deleted persons are not logged:
    the publication re-applies them from the build's deletion set. -#}
{% macro record_history_change(source) -%}
    {{ return(adapter.dispatch('record_history_change', 'segmentation')(source)) }}
{%- endmacro %}

{% macro default__record_history_change(source) -%}
    select 1 as no_change_log
{%- endmacro %}

{% macro duckdb__record_history_change(source) -%}
    {%- set rebuilt = not is_incremental() -%}
    insert into {{ segmentation.history_change_log() }}
    select
        cast(uuid() as varchar) as entry_id,
        now() as logged_at,
        {{ segmentation.sql_string(invocation_id) }} as invocation_id,
        {{ segmentation.sql_string(this.identifier) }} as table_name,
        {{ "'rebuilt'" if rebuilt else "'replaced'" }} as change,
        written.as_of_date
    from (
        {%- if rebuilt %}
        select cast(null as date) as as_of_date
        {%- else %}
        select distinct cast(as_of_date as date) as as_of_date from {{ source }}
        {%- endif %}
    ) as written
{%- endmacro %}
