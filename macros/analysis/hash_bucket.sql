{#- A stable integer from a text value, for deterministic random splits and
    samples (hold-outs, spot checks) that do not depend on row order. -#}
{% macro hash_bucket(expr) -%}
    {{ return(adapter.dispatch('hash_bucket', 'segmentation')(expr)) }}
{%- endmacro %}

{#- DuckDB and Snowflake both have hash(); other engines need their own version. -#}
{% macro default__hash_bucket(expr) -%}
    hash({{ expr }})
{%- endmacro %}

{#- A number in [0, 1) from a text value, identical on every engine and in Python
    (segkit.experiments.hash_unit_interval): the first 8 hex digits of the MD5 of
    the text (dbt.hash), read as an unsigned 32-bit integer, divided by 2^32. The
    holdout arm of segment_offers is decided by it. -#}
{% macro hash_unit_interval(expr) -%}
    {{ return(adapter.dispatch('hash_unit_interval', 'segmentation')(expr)) }}
{%- endmacro %}

{#- Snowflake and others: the 8 hex digits summed by place value, in plain SQL (the
    emulator, fakesnow, cannot run to_number(text, 'XXXXXXXX')); lower-case hex, as
    md5() returns on every engine. -#}
{% macro default__hash_unit_interval(expr) -%}
    {%- set digits = [] -%}
    {%- for place in range(8) -%}
        {%- do digits.append(
            '(' ~ dbt.position("substr(" ~ dbt.hash(expr) ~ ", " ~ (place + 1) ~ ", 1)", "'0123456789abcdef'")
            ~ ' - 1) * ' ~ (16 ** (7 - place))
        ) -%}
    {%- endfor -%}
    cast(({{ digits | join(' + ') }}) as double) / 4294967296.0
{%- endmacro %}

{#- DuckDB casts '0x'-prefixed text to an integer. -#}
{% macro duckdb__hash_unit_interval(expr) -%}
    cast(('0x' || substr({{ dbt.hash(expr) }}, 1, 8)) as bigint) / 4294967296.0
{%- endmacro %}
