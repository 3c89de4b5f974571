{#- When the on-run-end erasure (erase_deleted_persons_pii) has work to do, and when
    it provably has none.

    The erasure only changes what the tables of erasure_models() hold: the base
    tables with raw PII, the requests and the identity tables. Once it has run in
    full, running it again changes nothing until one of them is written again. So
    a run that builds none of them (the cluster assignment alone, `dbt test`) can
    skip it, but only if the last erasure did run in full: a run killed after it
    rewrote a base table, or whose erasure failed, leaves raw PII of deleted persons
    that the next run, whatever it selects, must erase.

    The log table erasure_pending_log() holds that state:
      - on-run-start (mark_erasure_pending), before any model runs: a command that
        builds models and selects one of erasure_models() inserts a row; so does
        the run that creates the log (a database from before it: erase once);
      - on-run-end, after the last erasure hook (clear_erasure_pending): the rows
        are deleted. dbt skips every on-run-end hook after a failed one, so the
        rows stay when an erasure statement failed, as when the run was killed.
    erasure_needed() is true while the log has a row (or when there is no log). -#}

{#- The models the erasure reads or changes: erasure_relation_names() and
    int_identity__devices (erase_deleted_persons_pii). -#}
{% macro erasure_models() -%}
    {{ return(segmentation.erasure_relation_names().values() | list + ['int_identity__devices']) }}
{%- endmacro %}

{#- The log table, in the target's own schema (not marts, which the publication
    copies whole). -#}
{% macro erasure_pending_log() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='_segkit_erasure_pending'
    )) }}
{%- endmacro %}

{#- Does this invocation select one of erasure_models()? -#}
{% macro erasure_models_selected() -%}
    {%- for name in segmentation.erasure_models() -%}
        {%- if ('model.' ~ project_name ~ '.' ~ name) in selected_resources -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- Does this command write the models it selects? Not compile, docs generate,
    test, show, list or parse. -#}
{% macro builds_models() -%}
    {{ return(flags.WHICH not in ('compile', 'generate', 'test', 'show', 'list', 'ls', 'parse')) }}
{%- endmacro %}

{#- on-run-start, last: creates the log when it is missing and records, before any
    model runs, that this run may write what the erasure must clean. Runs its
    statements itself and commits them (commit_hook_writes): on DuckDB a relation
    lookup earlier in on-run-start opens a transaction that dbt rolls back when the
    hooks end. Renders nothing. -#}
{% macro mark_erasure_pending() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set log = segmentation.erasure_pending_log() -%}
    {%- set missing = segmentation.existing_erasure_pending_log() is none -%}
    {%- if missing -%}
        {%- do run_query('create schema if not exists ' ~ log.include(identifier=false)) -%}
        {%- do run_query(
            'create table if not exists ' ~ log ~ ' (invocation_id ' ~ dbt.type_string()
            ~ ' not null, marked_at ' ~ dbt.type_timestamp() ~ ' not null)'
        ) -%}
    {%- endif -%}
    {%- if missing or (segmentation.builds_models() and segmentation.erasure_models_selected()) -%}
        {%- do run_query(
            'insert into ' ~ log ~ ' (invocation_id, marked_at) values ('
            ~ segmentation.sql_string(invocation_id) ~ ', ' ~ dbt.current_timestamp() ~ ')'
        ) -%}
    {%- endif -%}
    {%- do segmentation.commit_hook_writes() -%}
    {{ return('') }}
{%- endmacro %}

{#- Commits what a hook ran through run_query. DuckDB: the open transaction, if any
    (dbt-duckdb's commit does nothing without one). Snowflake autocommits. -#}
{% macro commit_hook_writes() -%}
    {{ return(adapter.dispatch('commit_hook_writes', 'segmentation')()) }}
{%- endmacro %}

{% macro default__commit_hook_writes() -%}
{%- endmacro %}

{% macro duckdb__commit_hook_writes() -%}
    {%- do adapter.commit() -%}
{%- endmacro %}

{#- The log table if it exists, else none. A lookup in dbt's relation cache, which
    mark_erasure_pending's lookup filled: on-run-end runs no listing query, which on
    DuckDB would open a transaction that dbt rolls back after the hooks. The cache
    does not see a log created in this run, so the run that creates it erases, and
    the next one too. -#}
{% macro existing_erasure_pending_log() -%}
    {%- set log = segmentation.erasure_pending_log() -%}
    {{ return(adapter.get_relation(database=log.database, schema=log.schema, identifier=log.identifier)) }}
{%- endmacro %}

{#- Must the erasure hooks run in this invocation? Read by each of them: one count
    of the log's rows. True without a log in the cache (this run created it, or
    on-run-start stopped before it could). False at parse time. -#}
{% macro erasure_needed() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set log = segmentation.existing_erasure_pending_log() -%}
    {%- if log is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set pending = run_query('select count(*) from ' ~ log) -%}
    {{ return(pending.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- on-run-end, after the last erasure hook: the erasure ran in full, nothing is
    pending. Renders nothing when nothing was pending, and leaves the rows when a
    relation the erasure needs is missing (a partial database: it could not run). -#}
{% macro clear_erasure_pending() -%}
    {%- set log = segmentation.existing_erasure_pending_log() if execute else none -%}
    {%- if log is none or not segmentation.erasure_relations() or not segmentation.erasure_needed() -%}
        {{ return('') }}
    {%- endif -%}
    delete from {{ log }}
{%- endmacro %}
