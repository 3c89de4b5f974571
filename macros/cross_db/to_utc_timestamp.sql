{#- Parse ISO-8601 text carrying a UTC offset ('2026-03-01 10:15:00+02:00', '...Z') into
    a UTC timestamp without time zone. Unparseable text gives null, so callers can
    quarantine the row with a reason instead of failing the build. -#}
{% macro to_utc_timestamp(iso_text) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'segmentation')(iso_text)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(iso_text) -%}
    cast(cast({{ iso_text }} as {{ dbt.type_timestamp() }}) as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(iso_text) -%}
    (try_cast({{ iso_text }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{#- try_cast to timestamp_tz is Snowflake's try_to_timestamp_tz with the AUTO
    format, written in the form the fakesnow emulator also translates. -#}
{% macro snowflake__to_utc_timestamp(iso_text) -%}
    convert_timezone('UTC', try_cast({{ iso_text }} as timestamp_tz))::timestamp_ntz
{%- endmacro %}
