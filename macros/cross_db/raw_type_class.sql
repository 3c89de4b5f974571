{#- The family of an engine column type as reported by raw_column_types (DuckDB
    describe, Snowflake catalog): text, integer, number, date, timestamp,
    timestamp_tz, boolean, or unknown (no type given: the parsers then take the
    text path, which accepts any input type). Lets the try_parse_* macros skip
    parsing a column that already has the right type. -#}
{% macro raw_type_class(raw_type) -%}
    {%- set t = (raw_type or '') | upper -%}
    {%- if t == '' -%}
        {{ return('unknown') }}
    {%- elif t.startswith(('VARCHAR', 'TEXT', 'STRING', 'CHAR')) -%}
        {{ return('text') }}
    {%- elif t in ('TINYINT', 'SMALLINT', 'INTEGER', 'INT', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
                   'UINTEGER', 'UBIGINT') or (t.startswith('NUMBER') and (t == 'NUMBER' or t.endswith(',0)'))) -%}
        {{ return('integer') }}
    {%- elif t in ('DOUBLE', 'FLOAT', 'REAL', 'FLOAT4', 'FLOAT8') or t.startswith('DECIMAL')
            or t.startswith('NUMERIC') or t.startswith('NUMBER') -%}
        {{ return('number') }}
    {%- elif t == 'DATE' -%}
        {{ return('date') }}
    {%- elif 'WITH TIME ZONE' in t or t.startswith('TIMESTAMPTZ') or t.startswith('TIMESTAMP_TZ')
            or t.startswith('TIMESTAMP_LTZ') -%}
        {{ return('timestamp_tz') }}
    {%- elif t.startswith('TIMESTAMP') or t.startswith('DATETIME') -%}
        {{ return('timestamp') }}
    {%- elif t.startswith('BOOL') -%}
        {{ return('boolean') }}
    {%- endif -%}
    {{ return('unknown') }}
{%- endmacro %}
