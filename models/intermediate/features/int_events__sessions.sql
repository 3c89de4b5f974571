{#- One row per tracker session (session_id) attributed to a canonical customer:
    start and end, duration, page depth, cart and purchase flags, and the device and
    channel of the session's first event. A session is dated by its first event's UTC
    date. No as_of filter: the feature models apply it.

    Incremental by customer (see customers_to_reprocess()): a run rebuilds every
    session holding an event of a customer whose identity changed or who has an
    event loaded since the last run, from all of that session's events, and
    replaces it by session_id (delete+insert). The post-hook drops sessions of
    persons deleted or merged away, and sessions that no longer belong to anyone
    (a device found to be shared). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='append_new_columns',
        post_hook="{{ purge_stale_customer_rows() }}",
    )
}}

with

events as (

    select * from {{ ref('int_events__resolved') }}
    where session_id is not null

),

versions as (

    select * from {{ ref('int_identity__customer_versions') }}

),

{% if is_incremental() %}
    attributed_events as (

        select * from events
        where customer_id is not null

    ),

    customers_to_process as (

        {{ customers_to_reprocess('attributed_events', 'versions') }}

    ),

    sessions_to_process as (

        select attributed_events.session_id
        from attributed_events
        inner join customers_to_process
            on attributed_events.customer_id = customers_to_process.customer_id
        union
        -- an anonymous event loaded late still changes its session's counts
        select events.session_id
        from events
        where events._loaded_at > (
            select {{ segmentation.loaded_watermark('source_loaded_at') }} from {{ this }}
        )

    ),

    -- every event of those sessions, attributed or not
    session_events as (

        select events.*
        from events
        inner join sessions_to_process
            on events.session_id = sessions_to_process.session_id

    ),
{% else %}
    -- a full build processes every session: none to look up
    session_events as (

        select * from events

    ),
{% endif %}

aggregated as (

    -- a session whose events carry several customers (shared device) goes to the
    -- smallest customer id, so the choice is the same every build
    select
        session_id,
        min(customer_id) as customer_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as count_events,
        sum(case when event_type in ('page_view', 'product_view') then 1 else 0 end) as count_page_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as count_cart_adds,
        sum(case when event_type = 'purchase' then 1 else 0 end) as count_purchase_events,
        -- the first event's (ties on the timestamp go to the smallest event id)
        {{ first_by('device', ['occurred_at', 'event_id']) }} as device,
        {{ first_by('channel', ['occurred_at', 'event_id']) }} as channel,
        max(_loaded_at) as source_loaded_at

    from session_events
    group by session_id

),

sessions as (

    select
        session_id,
        customer_id,
        cast(started_at as date) as session_date,
        started_at,
        ended_at,
        cast(
            {{ dbt.datediff('started_at', 'ended_at', 'second') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as duration_seconds,
        cast(count_events as {{ dbt.type_int() }}) as count_events,
        cast(count_page_views as {{ dbt.type_int() }}) as count_page_views,
        device,
        channel,
        count_cart_adds > 0 as has_cart_add,
        count_purchase_events > 0 as has_purchase,
        cast(source_loaded_at as {{ dbt.type_timestamp() }}) as source_loaded_at

    from aggregated

),

-- sessions of nobody (every event anonymous) are dropped by the inner join
final as (

    select
        sessions.session_id,
        sessions.customer_id,
        sessions.session_date,
        sessions.started_at,
        sessions.ended_at,
        sessions.duration_seconds,
        sessions.count_events,
        sessions.count_page_views,
        sessions.device,
        sessions.channel,
        sessions.has_cart_add,
        sessions.has_purchase,
        versions.identity_version,
        sessions.source_loaded_at

    from sessions
    inner join versions
        on sessions.customer_id = versions.customer_id

)

select * from final
