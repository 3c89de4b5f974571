{#- One row per tracker session (session_id) attributed to a canonical customer:
    start and end, duration, page depth, cart and purchase flags, and the device and
    channel of the session's first event. A session is dated by its first event's UTC
    date. No as_of filter: the feature models apply it.

    Incremental: each run rebuilds every session with an event dated on or after
    (latest stored session_date - var feature_lookback_days), from all of that
    session's events, and replaces it by session_id (delete+insert), so late events and
    sessions crossing midnight are complete. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail',
        post_hook="{{ purge_departed_customers() }}",
    )
}}

with

events as (

    select * from {{ ref('int_events__resolved') }}
    where session_id is not null

),

session_events as (

    {% if is_incremental() %}
        -- every event of each session with an event inside the look-back
        select events.*
        from events
        inner join (
            select distinct recent_events.session_id
            from events as recent_events
            cross join ({{ incremental_reprocess_from('session_date') }}) as reprocess_from
            where
                reprocess_from.reprocess_from_date is null
                or recent_events.occurred_date >= reprocess_from.reprocess_from_date
        ) as sessions_to_process
            on events.session_id = sessions_to_process.session_id
    {% else %}
        -- a full build processes every session: none to look up
        select * from events
    {% endif %}

),

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
        {{ first_by('channel', ['occurred_at', 'event_id']) }} as channel

    from session_events
    group by session_id

),

final as (

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
        count_purchase_events > 0 as has_purchase

    from aggregated
    where customer_id is not null

)

select * from final
