{#- Every raw web/app event, typed and normalised, with the validation verdict and
    the dedupe outcome. The source is optional: without the file it is empty. -#}
{%- set version_order = '_loaded_at desc' %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('web', 'events', [
        ('event_id', dbt.type_string()),
        ('anonymous_id', dbt.type_string()),
        ('customer_id', dbt.type_string()),
        ('session_id', dbt.type_string()),
        ('event_type', dbt.type_string()),
        ('page_path', dbt.type_string()),
        ('device', dbt.type_string()),
        ('channel', dbt.type_string()),
        ('campaign', dbt.type_string()),
        ('occurred_at', dbt.type_timestamp()),
        ('utc_offset_minutes', dbt.type_int()),
        ('_loaded_at', dbt.type_timestamp()),
    ]) }}

),

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        nullif(trim(cast(event_id as {{ dbt.type_string() }})), '') as event_id,
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
        cast(utc_offset_minutes as {{ dbt.type_int() }}) as utc_offset_minutes,
        {{ dbt.dateadd(
            'minute',
            '-1 * cast(utc_offset_minutes as ' ~ dbt.type_int() ~ ')',
            'cast(occurred_at as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as occurred_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,

        {{ row_fingerprint([
            'event_id', 'anonymous_id', 'customer_id', 'session_id', 'event_type', 'page_path',
            'device', 'channel', 'campaign', 'occurred_at', 'utc_offset_minutes'
        ]) }} as row_fingerprint

    from source

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
            when
                occurred_at is null
                or abs(utc_offset_minutes) > {{ var('max_utc_offset_minutes') }}
                then 'invalid_occurred_at'
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
