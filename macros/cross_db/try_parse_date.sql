{#- A raw value as a finite date, or null when it is not an ISO-8601 date
    (YYYY-MM-DD: '1990-02-30', '30/02/1990', 'infinity', 'epoch' are not). Range
    rules (a plausible birth date) are the caller's. raw_type: see raw_type_class. -#}
{% macro try_parse_date(expr, raw_type=none) -%}
    {{ return(adapter.dispatch('try_parse_date', 'segmentation')(expr, raw_type)) }}
{%- endmacro %}

{% macro default__try_parse_date(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind == 'date' -%}
        {{ expr }}
    {%- elif kind in ('timestamp', 'timestamp_tz') -%}
        cast({{ expr }} as date)
    {%- else -%}
        {%- set text = expr if kind == 'text' else 'cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        case
            when {{ segmentation.regex_full_match(text, segmentation.iso_date_pattern()) }}
                then try_cast({{ text }} as date)
        end
    {%- endif -%}
{%- endmacro %}

{#- DuckDB dates may be +-infinity: a typed column is checked too. -#}
{% macro duckdb__try_parse_date(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind in ('date', 'timestamp') -%}
        case when isfinite({{ expr }}) then cast({{ expr }} as date) end
    {%- else -%}
        {{ segmentation.default__try_parse_date(expr, raw_type) }}
    {%- endif -%}
{%- endmacro %}

{#- ISO-8601 calendar date, the shape every raw date and timestamp starts with. -#}
{% macro iso_date_pattern() -%}
    {{ return('[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
{%- endmacro %}
