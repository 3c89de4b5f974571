{#- Every raw web/app event, typed and normalised, with the validation verdict and
    the dedupe outcome. The source is optional: without the file it is empty. -#}
{%- set version_order = '_loaded_at desc' %}
{%- set raw_types = segmentation.raw_table_column_types('web', 'events') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike -#}
{%- set raw_key -%} nullif(trim(cast(event_id as {{ dbt.type_string() }})), '') {%- endset %}
{#- an offset beyond +-14 h is invalid; parsed as bigint, so no extreme value
    overflows the arithmetic before the check -#}
{%- set offset_minutes = segmentation.try_parse_integer('utc_offset_minutes', raw_types.get('utc_offset_minutes')) %}
{%- set valid_offset_minutes -%}
    case when abs({{ offset_minutes }}) <= {{ var('max_utc_offset_minutes') }} then {{ offset_minutes }} end
{%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('web', 'events') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'event_id', raw_key, loaded_at
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        {{ raw_key }} as event_id,
        nullif(trim(cast(anonymous_id as {{ dbt.type_string() }})), '') as anonymous_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(cast(session_id as {{ dbt.type_string() }})), '') as session_id,

        -- event
        nullif(lower(trim(cast(event_type as {{ dbt.type_string() }}))), '') as event_type,
        nullif(trim(cast(page_path as {{ dbt.type_string() }})), '') as page_path,
        nullif(lower(trim(cast(device as {{ dbt.type_string() }}))), '') as device,
        nullif(lower(trim(cast(channel as {{ dbt.type_string() }}))), '') as channel,
        nullif(trim(cast(campaign as {{ dbt.type_string() }})), '') as campaign,

        -- timestamps: device local time as delivered (shown on quarantined rows);
        -- local time minus its offset gives UTC
        occurred_at as occurred_at_raw,
        {{ offset_minutes }} as utc_offset_minutes,
        {{ dbt.dateadd(
            'minute',
            '-1 * ' ~ valid_offset_minutes,
            to_utc_timestamp('occurred_at', raw_types.get('occurred_at'))
        ) }} as occurred_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        {{ row_fingerprint([
            'event_id', 'anonymous_id', 'customer_id', 'session_id', 'event_type', 'page_path',
            'device', 'channel', 'campaign', 'occurred_at', 'utc_offset_minutes'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'event_id', 'anonymous_id', 'customer_id', 'session_id', 'event_type', 'page_path',
            'device', 'channel', 'campaign', 'occurred_at'
        ]) }} as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _web__models.yml for the codes
        case
            when event_id is null then 'missing_event_id'
            when anonymous_id is null then 'missing_anonymous_id'
            when session_id is null then 'missing_session_id'
            when is_loaded_at_invalid then 'invalid_loaded_at'
            -- null when the local time or the offset is missing or invalid
            when occurred_at is null then 'invalid_occurred_at'
            when occurred_at > _loaded_at then 'future_occurred_at'
            when
                event_type is null
                or event_type not in {{ sql_values(var('web_event_types')) }}
                then 'unknown_event_type'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'event_id', version_order) }}

select * from final
