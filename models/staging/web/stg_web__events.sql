{#- One row per web/app event: the latest valid version, timestamps in UTC.
    Unknown devices and channels are kept as 'unknown' (they describe, they do not
    identify); events without an identity or a known type are quarantined. Free
    text (page_path, campaign) has email- and phone-shaped substrings redacted. -#}
with

base as (

    select * from {{ ref('base_web__events') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        event_id,
        anonymous_id,
        customer_id,
        session_id,

        -- event
        event_type,
        {{ redact_pii('page_path') }} as page_path,
        case when device in {{ sql_values(var('web_devices')) }} then device else 'unknown' end as device,
        case when channel in {{ sql_values(var('web_channels')) }} then channel else 'unknown' end as channel,
        {{ redact_pii('campaign') }} as campaign,

        -- timestamps (UTC)
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        utc_offset_minutes,
        _loaded_at

    from base

)

select * from final
