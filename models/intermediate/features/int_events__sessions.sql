{#- One row per tracker session (session_id) attributed to a canonical customer:
    start and end, duration, page depth, cart and purchase flags, and the device and
    channel of the session's first event. A session is dated by its first event's UTC
    date. No as_of filter: the feature models apply it.

    Incremental: a run rebuilds every session holding any raw version (kept or
    not) of an event with a row loaded since the last run, and every session of a
    customer whose identity changed (a version not stored, as in
    customers_to_reprocess()), from all of that session's events, and replaces it
    by session_id (delete+insert). Other sessions cannot change: a session's
    values depend only on its events and on its customer's identity. The
    watermark is read as a literal when the model compiles (delivery_watermark).
    A nightly run never reads the attributed events view whole: it picks the
    sessions from the raw versions and from the ids the staged events carry (CRM
    id, device), then attributes only those sessions' events (macro
    attributed_web_events). At 1M customers the nightly select took 18-49 s when
    every session of a customer with a new event was rebuilt from the materialised
    events, 8.3-8.7 s with narrow scans of the view (alone; 11-14 s beside a CI
    run), 4.3-4.9 s this way (the bench's nightly database), with the same
    resulting table. A past as_of on a database that knows later loads empties
    the table first (pre-hook forget_stale_rows) and processes every event, as a
    full build does. The post-hook drops sessions of persons deleted or merged
    away, and sessions that no longer belong to anyone (a device found to be
    shared). A session rebuilt to nothing (its events moved to other sessions,
    or now of nobody) gets an empty row (with_emptied_keys()) that replaces its
    stored row and that the post-hook deletes. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ forget_stale_rows(loaded_at='source_loaded_at') }}",
        post_hook="{{ purge_stale_customer_rows(forget_emptied=true) }}",
    )
}}

{#- read only on an incremental run (the branch below): declared for the DAG -#}
-- depends_on: {{ ref('base_web__events') }}
-- depends_on: {{ ref('stg_web__events') }}
-- depends_on: {{ ref('int_identity__components') }}
-- depends_on: {{ ref('int_identity__devices') }}
-- depends_on: {{ ref('int_identity__deleted_customers') }}
{%- set watermark = delivery_watermark(loaded_at='source_loaded_at') %}

with

-- a full build's input (an incremental run reads the staged events instead)
events as {{ segmentation.inline_cte() }} (

    select * from {{ ref('int_events__resolved') }}
    where session_id is not null

),

versions as (

    select * from {{ ref('int_identity__customer_versions') }}

),

{% if watermark is not none %}
    -- every raw version (kept or not) of an event with a row loaded at or after
    -- the watermark (at: a delivery sharing the last load time is not missed): a
    -- late version changes its session's counts, and may move the event to
    -- another session or reject it, which changes the old session too
    touched_sessions as (

        select base_events.session_id
        from {{ ref('base_web__events') }} as base_events
        where
            base_events.session_id is not null
            and base_events.event_id in (
                select delivered.event_id
                from {{ ref('base_web__events') }} as delivered
                where delivered._loaded_at >= {{ watermark }}
            )

    ),

    -- identity changed (a version not stored): every session may change customer
    customers_to_process as (

        {{ customers_with_changed_identity('versions') }}

    ),

    -- the sessions of their events, found by the ids the events carry before any
    -- join (a superset of their attributed events: enough to choose sessions)
    -- read twice (the events to pick, with_emptied_keys()): kept once
    sessions_to_process as {{ segmentation.materialized_cte() }} (

        select customer_events.session_id
        from (
            {{ staged_web_events_of_customers('customers_to_process') }}
        ) as customer_events
        where customer_events.session_id is not null
        union
        select touched_sessions.session_id
        from touched_sessions

    ),

    -- every event of those sessions, picked before they are attributed: joined to
    -- their distinct ids, which DuckDB does below the staged view's projection;
    -- `in (subquery)`, or a join to the union itself, stayed above it, over all 49M
    -- events (1M customers, nightly select alone: 4.1-4.6 s, 4.1 s and 3.7 s; the
    -- same rows)
    staged_session_events as (

        select staged.*
        from (select distinct session_id from sessions_to_process) as picked
        inner join {{ ref('stg_web__events') }} as staged
            on picked.session_id = staged.session_id

    ),

    session_events as (

        {{ attributed_web_events('staged_session_events') }}

    ),
{% else %}
    -- a full build (or a past as_of on later data) processes every session
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

-- sessions of nobody (every event anonymous) are dropped by the inner join; read
-- three times by with_emptied_keys() on an incremental run
final as {{ segmentation.materialized_cte() if watermark is not none }} (

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

{% if watermark is not none -%}
    {{ with_emptied_keys('final', 'sessions_to_process', 'session_id') }}
{%- else -%}
    select * from final
{%- endif %}
