{#- Parse a raw timestamp into a UTC timestamp without time zone, or null when it is
    not valid, so the caller quarantines the row with a reason instead of failing
    the build. Valid means:
      - ISO-8601 text: a date, a space or 'T', hh:mm[:ss[.fraction]], then an optional
        UTC offset ('Z', '+02', '+02:00', '-0530') of at most 14 h. Text WITHOUT an
        offset is UTC, whatever the session or machine time zone (DECISIONLOG.md).
        Words the engines would accept ('epoch', 'infinity', 'now') are not ISO.
      - a typed timestamp: finite; with a time zone, converted to UTC.
      - later than var min_valid_timestamp (a 1970 or 0001 default is not a business
        time).
    raw_type (see raw_type_class) lets a column already typed skip text parsing;
    none (unknown) parses any input through its text form. -#}
{% macro to_utc_timestamp(expr, raw_type=none) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'segmentation')(expr, raw_type)) }}
{%- endmacro %}

{#- The ISO-8601 shapes accepted as text: a date alone, a naive date and time (both
    read as UTC), and a date and time with an offset of at most 14 h. -#}
{% macro iso_timestamp_patterns() -%}
    {%- set date = segmentation.iso_date_pattern() -%}
    {%- set time = '[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?' -%}
    {%- set offset = ' ?(Z|[+-](0[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?)' -%}
    {{ return({
        'date': date,
        'naive': date ~ time,
        'naive_or_date': date ~ '(' ~ time ~ ')?',
        'with_offset': date ~ time ~ offset,
    }) }}
{%- endmacro %}

{#- var min_valid_timestamp, as a SQL literal. -#}
{% macro min_valid_timestamp() -%}
    cast({{ segmentation.sql_string(var("min_valid_timestamp")) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The timestamp when later than var min_valid_timestamp, else null. Written with
    greatest/nullif so the (long) parse expression appears once: a case expression
    would repeat it, and engines do not share work across case branches. A null
    timestamp stays null on both engines (DuckDB's greatest skips nulls, then
    nullif(min, min) is null). -#}
{% macro later_than_min_valid_timestamp(timestamp_expr) -%}
    nullif(greatest({{ timestamp_expr }}, {{ segmentation.min_valid_timestamp() }}), {{ segmentation.min_valid_timestamp() }})
{%- endmacro %}

{#- Snowflake (and other engines): try_cast reads text only. Naive text gets an
    explicit '+00:00' and every text goes through timestamp_tz, converted to UTC: no
    session TIMEZONE is involved. (try_cast to timestamp_ntz would do for naive text
    on Snowflake, but the fakesnow emulator turns it into a failing cast.) -#}
{% macro default__to_utc_timestamp(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind in ('timestamp', 'date') -%}
        {%- set parsed = 'cast(' ~ expr ~ ' as timestamp_ntz)' -%}
    {%- elif kind == 'timestamp_tz' -%}
        {%- set parsed = "convert_timezone('UTC', " ~ expr ~ ")::timestamp_ntz" -%}
    {%- else -%}
        {%- set text = expr if kind == 'text' else 'cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- set patterns = segmentation.iso_timestamp_patterns() -%}
        {%- set parsed -%}
            convert_timezone('UTC', try_cast(case
                when {{ segmentation.regex_full_match(text, patterns.with_offset) }} then {{ text }}
                when {{ segmentation.regex_full_match(text, patterns.naive) }} then {{ text }} || '+00:00'
                when {{ segmentation.regex_full_match(text, patterns.date) }} then {{ text }} || ' 00:00:00+00:00'
            end as timestamp_tz))::timestamp_ntz
        {%- endset -%}
    {%- endif -%}
    {{ segmentation.later_than_min_valid_timestamp(parsed) }}
{%- endmacro %}

{#- DuckDB: text with an offset (the usual business timestamp, so tested first) is
    cast to timestamptz then to UTC, naive text to timestamp (no time zone
    involved); typed timestamps may be +-infinity. -#}
{% macro duckdb__to_utc_timestamp(expr, raw_type) -%}
    {%- set kind = segmentation.raw_type_class(raw_type) -%}
    {%- if kind in ('timestamp', 'date') -%}
        {%- set parsed = 'cast(' ~ expr ~ ' as timestamp)' -%}
        case when isfinite({{ parsed }}) and {{ parsed }} > {{ segmentation.min_valid_timestamp() }}
            then {{ parsed }} end
    {%- elif kind == 'timestamp_tz' -%}
        {%- set parsed = '(' ~ expr ~ " at time zone 'UTC')" -%}
        case when isfinite({{ parsed }}) and {{ parsed }} > {{ segmentation.min_valid_timestamp() }}
            then {{ parsed }} end
    {%- else -%}
        {%- set text = expr if kind == 'text' else 'cast(' ~ expr ~ ' as varchar)' -%}
        {%- set patterns = segmentation.iso_timestamp_patterns() -%}
        {%- set parsed -%}
            case
                when {{ segmentation.regex_full_match(text, patterns.with_offset) }}
                    then (try_cast({{ text }} as timestamptz) at time zone 'UTC')
                when {{ segmentation.regex_full_match(text, patterns.naive_or_date) }}
                    then try_cast({{ text }} as timestamp)
            end
        {%- endset -%}
        {{ segmentation.later_than_min_valid_timestamp(parsed) }}
    {%- endif -%}
{%- endmacro %}
