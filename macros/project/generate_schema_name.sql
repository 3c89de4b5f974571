{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- A folder's schema is its name on both engines (staging, intermediate, marts,
    reference), not dbt's default <target schema>_<name>, so BI tools read `marts`
    wherever the project is built. Nodes without a schema config land in the
    target's schema. Developers isolate builds by database (a DuckDB file, a
    Snowflake database), not by schema prefix (docs/bi.md). -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
