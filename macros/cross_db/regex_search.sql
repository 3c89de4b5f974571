{#- True when the pattern matches somewhere in the text (unanchored: anchor with ^ and
    $ for a whole-text match), the meaning of dbt-expectations' regex tests, with
    their is_raw and flags arguments. Null text gives null.
      is_raw  Snowflake: the pattern reaches the regex engine unchanged (backslashes
              not read as string escapes, like dbt-expectations' $$...$$); without
              it, Snowflake reads the literal's escapes ('\\d' for \d). DuckDB
              literals have no escapes: no effect.
      flags   regex flags, e.g. 'i' for case-insensitive (both engines). -#}
{% macro regex_search(expr, pattern, is_raw=false, flags='') -%}
    {{ return(adapter.dispatch('regex_search', 'segmentation')(expr, pattern, is_raw, flags)) }}
{%- endmacro %}

{% macro default__regex_search(expr, pattern, is_raw, flags) -%}
    {%- set literal = segmentation.sql_string(pattern) if is_raw
        else "'" ~ (pattern | replace("'", "''")) ~ "'" -%}
    regexp_instr({{ expr }}, {{ literal }}, 1, 1, 0, {{ segmentation.sql_string(flags or 'c') }}) > 0
{%- endmacro %}

{% macro duckdb__regex_search(expr, pattern, is_raw, flags) -%}
    regexp_matches({{ expr }}, '{{ pattern | replace("'", "''") }}'{{ ", " ~ segmentation.sql_string(flags) if flags }})
{%- endmacro %}
