{#- Web/app behaviour per canonical customer as of as_of_date, per trailing window
    (var feature_windows_days): sessions, session duration, page depth, product views,
    cart adds, cart abandonment, and the preferred device, channel and day-part over
    the longest window. Sessions are dated by their first event; sessions and event
    days after as_of_date are ignored. -#}
{%- set windows = var('feature_windows_days') -%}
{%- set longest_window_days = windows | max -%}
{%- set day_parts = var('feature_day_part_start_hours').items() | sort(attribute='1', reverse=true) -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

sessions as (

    select
        sessions.*,
        {{ dbt.datediff('sessions.session_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from {{ ref('int_events__sessions') }} as sessions
    cross join as_of
    where sessions.session_date <= as_of.as_of_date

),

event_days as (

    select
        event_days.*,
        {{ dbt.datediff('event_days.occurred_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from {{ ref('int_events__daily') }} as event_days
    cross join as_of
    where event_days.occurred_date <= as_of.as_of_date

),

session_windows as (

    select
        customer_id,
        {%- for window_days in windows %}
            sum(case when days_before_as_of < {{ window_days }} then 1 else 0 end)
                as count_sessions_{{ window_days }}d,
            avg(case when days_before_as_of < {{ window_days }} then duration_seconds end)
                as avg_session_duration_seconds_{{ window_days }}d,
            avg(case when days_before_as_of < {{ window_days }} then count_page_views end)
                as avg_pages_per_session_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} and has_cart_add then 1 else 0 end)
                as count_cart_sessions_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} and has_cart_add and not has_purchase then 1 else 0 end)
                as count_abandoned_cart_sessions_{{ window_days }}d,
        {%- endfor %}
        count(*) as count_sessions

    from sessions
    group by customer_id

),

event_windows as (

    select
        customer_id,
        {%- for window_days in windows %}
            sum(case when days_before_as_of < {{ window_days }} then count_product_views else 0 end)
                as count_product_views_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} then count_cart_adds else 0 end)
                as count_cart_adds_{{ window_days }}d,
        {%- endfor %}
        count(*) as count_event_days

    from event_days
    group by customer_id

),

longest_window_sessions as (

    -- day-part buckets from var feature_day_part_start_hours; hours before the
    -- earliest bucket start belong to the latest bucket (it wraps past midnight)
    select
        customer_id,
        started_at,
        device,
        channel,
        case
            {%- for day_part, start_hour in day_parts %}
                when extract(hour from started_at) >= {{ start_hour }} then '{{ day_part }}'
            {%- endfor %}
            else '{{ day_parts[0][0] }}'
        end as day_part

    from sessions
    where days_before_as_of < {{ longest_window_days }}

),

{%- for attribute in ['device', 'channel', 'day_part'] %}

    {{ attribute }}_ranked as (

    -- the mode: most sessions, then the most recently used, then alphabetical
        select
            customer_id,
            {{ attribute }},
            row_number() over (
                partition by customer_id
                order by count(*) desc, max(started_at) desc, {{ attribute }} asc
            ) as preference_rank

        from longest_window_sessions
        where {{ attribute }} is not null
        group by customer_id, {{ attribute }}

    ),
{%- endfor %}

final as (

    select
        customers.customer_id,
        {%- for window_days in windows %}
            cast(coalesce(session_windows.count_sessions_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_sessions_{{ window_days }}d,
            cast(session_windows.avg_session_duration_seconds_{{ window_days }}d as double)
                as avg_session_duration_seconds_{{ window_days }}d,
            cast(session_windows.avg_pages_per_session_{{ window_days }}d as double)
                as avg_pages_per_session_{{ window_days }}d,
            cast(coalesce(event_windows.count_product_views_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_product_views_{{ window_days }}d,
            cast(coalesce(event_windows.count_cart_adds_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_cart_adds_{{ window_days }}d,
            cast(
                session_windows.count_abandoned_cart_sessions_{{ window_days }}d
                / nullif(cast(session_windows.count_cart_sessions_{{ window_days }}d as double), 0)
                as double
            ) as cart_abandonment_rate_{{ window_days }}d,
        {%- endfor %}
        device_ranked.device as preferred_device,
        channel_ranked.channel as preferred_channel,
        day_part_ranked.day_part as preferred_day_part

    from customers
    left join session_windows
        on customers.customer_id = session_windows.customer_id
    left join event_windows
        on customers.customer_id = event_windows.customer_id
    left join device_ranked
        on
            customers.customer_id = device_ranked.customer_id
            and device_ranked.preference_rank = 1
    left join channel_ranked
        on
            customers.customer_id = channel_ranked.customer_id
            and channel_ranked.preference_rank = 1
    left join day_part_ranked
        on
            customers.customer_id = day_part_ranked.customer_id
            and day_part_ranked.preference_rank = 1

)

select * from final
