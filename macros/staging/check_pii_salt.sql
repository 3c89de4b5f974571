{#- on-run-start: fails the run before any model when hash_pii() could not read the
    PII salt, and warns when the public demo salt is in use. Renders no SQL. -#}
{% macro check_pii_salt() -%}
    {%- if execute -%}
        {%- do adapter.dispatch('check_pii_salt', 'segmentation')() -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}

{% macro default__check_pii_salt() -%}
{%- endmacro %}

{% macro duckdb__check_pii_salt() -%}
    {#- Only booleans come back: the salt itself is never selected. -#}
    {%- set state = run_query(
        "select getvariable('seg_pii_salt') is not null as is_set,"
        ~ " coalesce(getvariable('seg_pii_salt_is_default'), true) as is_default"
    ) -%}
    {%- if not state.columns[0].values()[0] -%}
        {{- exceptions.raise_compiler_error(
            "PII salt not available: the DuckDB session variable seg_pii_salt is not set."
            ~ " The dbt-duckdb plugin segkit.dbt_plugins.pii_salt sets it from env SEG_PII_SALT;"
            ~ " add its `plugins:` entry (and `module_paths`) from profiles.yml.example to your profiles.yml."
        ) -}}
    {%- elif state.columns[1].values()[0] -%}
        {%- do exceptions.warn(
            "SEG_PII_SALT is not set: PII is hashed with the public demo salt, so the hashes"
            ~ " can be reversed by anyone with a list of emails. Set SEG_PII_SALT (README, Privacy)."
        ) -%}
    {%- endif -%}
{%- endmacro %}

{% macro snowflake__check_pii_salt() -%}
    {%- set name = segmentation.pii_salt_function_name() -%}
    {%- if segmentation.is_snowflake_account() -%}
        {%- set parts = name.split('.') -%}
        {%- set found = run_query(
            "show user functions like '" ~ parts[2] | upper ~ "' in schema " ~ parts[0] ~ "." ~ parts[1]
        ) -%}
        {%- if found.rows | length == 0 -%}
            {{- exceptions.raise_compiler_error(
                "PII salt function " ~ name ~ " not found: create it with"
                ~ " `python -m segkit.snowflake_secrets` (docs/snowflake.md) before building."
            ) -}}
        {%- endif -%}
    {%- else -%}
        {#- fakesnow lists no functions: call it (an error names it when missing). -#}
        {%- do run_query("select " ~ name ~ "() is not null as is_set") -%}
    {%- endif -%}
{%- endmacro %}
