{#- A value as a SQL string literal: the one place strings built from vars are quoted. -#}
{% macro sql_string(value) -%}
    {{- return(adapter.dispatch('sql_string', 'segmentation')(value)) -}}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{#- Snowflake reads backslash escapes inside single-quoted literals. -#}
{% macro snowflake__sql_string(value) -%}
    {{- return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") -}}
{%- endmacro %}
