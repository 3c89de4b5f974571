{#- A raw value as a finite double, or null when it does not parse ('12,50',
    'twelve') or is not finite (NaN, +-Infinity): a bad value quarantines its row
    instead of failing the build. Range rules (e.g. var max_amount_local) are the
    caller's. raw_type (see raw_type_class) skips parsing a column already numeric. -#}
{% macro try_parse_double(expr, raw_type=none) -%}
    {{ return(adapter.dispatch('try_parse_double', 'segmentation')(expr, raw_type)) }}
{%- endmacro %}

{#- Snowflake (and others): try_cast reads text only, so other types go through text. -#}
{% macro default__try_parse_double(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind in ('integer', 'number') -%}
        {%- set parsed = 'cast(' ~ expr ~ ' as double)' -%}
    {%- elif kind == 'text' -%}
        {%- set parsed = 'try_cast(' ~ expr ~ ' as double)' -%}
    {%- else -%}
        {%- set parsed = 'try_cast(cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ') as double)' -%}
    {%- endif -%}
    {#- NaN sorts above +Infinity on both engines: one comparison drops the three -#}
    case when abs({{ parsed }}) < cast('inf' as double) then {{ parsed }} end
{%- endmacro %}

{% macro duckdb__try_parse_double(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- set parsed = 'cast(' ~ expr ~ ' as double)' if kind in ('integer', 'number')
        else 'try_cast(' ~ expr ~ ' as double)' -%}
    case when isfinite({{ parsed }}) then {{ parsed }} end
{%- endmacro %}

{#- A raw value as an integer of `data_type` (default bigint: 64 bits, so no later
    arithmetic overflows a 32-bit integer), or null when it does not parse ('two'),
    is not finite or does not fit the type. A fractional value is rounded. -#}
{% macro try_parse_integer(expr, raw_type=none, data_type=none) -%}
    {{ return(adapter.dispatch('try_parse_integer', 'segmentation')(expr, raw_type, data_type or dbt.type_bigint())) }}
{%- endmacro %}

{#- Snowflake (and others): every integer type is number(38, 0); try_cast reads
    text only, so other types go through text. -#}
{% macro default__try_parse_integer(expr, raw_type, data_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind == 'integer' -%}
        cast({{ expr }} as {{ data_type }})
    {%- elif kind == 'text' -%}
        try_cast({{ expr }} as {{ data_type }})
    {%- else -%}
        try_cast(cast({{ expr }} as {{ dbt.type_string() }}) as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{#- DuckDB: try_cast from any type; a value beyond the type's range gives null. -#}
{% macro duckdb__try_parse_integer(expr, raw_type, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}
