{#- The raw data contract (docs/raw_contract.md) as data: for every raw table, its
    columns in contract order as (name, type, is_required). The one list the
    build-time check (check_raw_contract) and the base models' readers (raw_table)
    use, so a column is added in one place (and in the document's table).

    Types are logical: string, integer, double, date, boolean, timestamp (rendered by
    raw_sql_type). is_required: the column must be present in the raw table or the
    build stops before any model runs; an absent optional column is read as a typed
    null. "One of the two" columns (orders and deletion requests: customer_id or
    email) are optional here; the row rules quarantine a row lacking both. -#}
{% macro raw_contract() -%}
    {{ return({
        'customers': [
            ('customer_id', 'string', true),
            ('email', 'string', false),
            ('phone', 'string', false),
            ('first_name', 'string', false),
            ('last_name', 'string', false),
            ('birth_date', 'date', false),
            ('age', 'integer', false),
            ('gender', 'string', false),
            ('income_band', 'string', false),
            ('country_code', 'string', false),
            ('region', 'string', false),
            ('city', 'string', false),
            ('signup_at', 'string', true),
            ('is_loyalty_member', 'boolean', false),
            ('loyalty_tier', 'string', false),
            ('updated_at', 'timestamp', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'orders': [
            ('order_id', 'string', true),
            ('customer_id', 'string', false),
            ('customer_email', 'string', false),
            ('ordered_at', 'string', true),
            ('amount', 'double', true),
            ('currency', 'string', true),
            ('status', 'string', true),
            ('sales_channel', 'string', false),
            ('updated_at', 'timestamp', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'order_lines': [
            ('order_line_id', 'string', true),
            ('order_id', 'string', true),
            ('product_id', 'string', true),
            ('category', 'string', false),
            ('quantity', 'integer', true),
            ('unit_price', 'double', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'events': [
            ('event_id', 'string', true),
            ('anonymous_id', 'string', true),
            ('customer_id', 'string', false),
            ('session_id', 'string', true),
            ('event_type', 'string', true),
            ('page_path', 'string', false),
            ('device', 'string', false),
            ('channel', 'string', false),
            ('campaign', 'string', false),
            ('occurred_at', 'timestamp', true),
            ('utc_offset_minutes', 'integer', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'email_events': [
            ('email_event_id', 'string', true),
            ('customer_id', 'string', true),
            ('campaign_id', 'string', false),
            ('event_type', 'string', true),
            ('occurred_at', 'string', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'consent_events': [
            ('consent_event_id', 'string', true),
            ('customer_id', 'string', true),
            ('purpose', 'string', true),
            ('status', 'string', true),
            ('occurred_at', 'string', true),
            ('_loaded_at', 'timestamp', true),
        ],
        'deletion_requests': [
            ('request_id', 'string', true),
            ('customer_id', 'string', false),
            ('email', 'string', false),
            ('requested_at', 'string', true),
            ('_loaded_at', 'timestamp', true),
        ],
    }) }}
{%- endmacro %}

{#- The SQL type of a logical contract type, for typed null stand-ins. -#}
{% macro raw_sql_type(logical_type) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'integer': dbt.type_int(),
        'double': 'double',
        'date': 'date',
        'boolean': 'boolean',
        'timestamp': dbt.type_timestamp(),
    } -%}
    {{ return(types[logical_type]) }}
{%- endmacro %}

{#- The columns a readable raw table really has, as a dict of lower-case name ->
    upper-case engine type ({} when unknown: before execution, in unit tests).
    DuckDB describes the reader (file metadata only); Snowflake asks the catalog. -#}
{% macro raw_column_types(readable) -%}
    {%- if not execute or readable is none or readable is string and readable.startswith('__dbt__cte__') -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_column_types', 'segmentation')(readable)) }}
{%- endmacro %}

{% macro default__raw_column_types(readable) -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(readable) -%}
        {%- do types.update({column.name | lower: column.data_type | upper}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}

{% macro duckdb__raw_column_types(readable) -%}
    {%- set types = {} -%}
    {%- set described = run_query("describe select * from " ~ readable) -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0] | lower: row[1] | upper}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
