{#- Activity per canonical customer as of as_of_date: days since the last activity,
    active days per trailing window, and the raw time-decayed engagement.
    Activity = an order of any status, a web/app event, an email open or click
    (a send is not the customer's doing). Decay units: sessions (by session date),
    purchases, email opens and clicks, each weighted by var engagement_decay_weights
    and halved every var engagement_half_life_days before as_of_date.

    No grouping by customer and date: the decayed sum is linear, so each input row
    adds its own decayed units (a session is one unit on its date), and only the
    rows inside the longest window are reduced to distinct dates for the active-day
    counts. At 1M customers, grouping all 28M rows by customer and date first took
    16 s of CPU, two thirds of the model. -#}
{%- set decay_weights = var('engagement_decay_weights') -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- one row per customer and activity date of each source, with its decay units
-- (var engagement_decay_weights); the dates are activity, the units engagement
order_days as (

    select
        customer_id,
        ordered_date as activity_date,
        {{ decay_weights['order'] }} * count_orders as decay_units
    from {{ ref('int_orders__daily') }}

),

-- a web/app event makes a day active; its engagement is counted by the sessions
event_days as (

    select
        customer_id,
        occurred_date as activity_date,
        cast(0 as double) as decay_units
    from {{ ref('int_events__daily') }}

),

-- one row per session (not per day): each is one decay unit on its date
sessions as (

    select
        customer_id,
        session_date as activity_date,
        cast({{ decay_weights['session'] }} as double) as decay_units
    from {{ ref('int_events__sessions') }}

),

email_days as (

    select
        customer_id,
        occurred_date as activity_date,
        {{ decay_weights['email_open'] }} * count_opens
        + {{ decay_weights['email_click'] }} * count_clicks as decay_units
    from {{ ref('int_email_events__daily') }}
    where count_opens + count_clicks > 0

),

activity_rows as (

    select * from order_days
    union all
    select * from event_days
    union all
    select * from sessions
    union all
    select * from email_days

),

activity_until_as_of as (

    select
        activity_rows.customer_id,
        activity_rows.decay_units,
        {{ dbt.datediff('activity_rows.activity_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05
    from activity_rows
    cross join as_of
    where activity_rows.activity_date <= as_of.as_of_date

),

recency_and_decay as (

    select
        customer_id,
        min(days_before_as_of) as days_since_last_activity,
        {{ segmentation.exact_sum(
            'decay_units * power(0.5, days_before_as_of / cast(' ~ var('engagement_half_life_days') ~ ' as double))'
        ) }} as engagement_decayed_raw
    from activity_until_as_of
    group by customer_id

),

-- the distinct active days inside the longest window
recent_days as (

    select distinct
        customer_id,
        days_before_as_of
    from activity_until_as_of
    where days_before_as_of < {{ var('feature_windows_days') | max }}

),

active_days as (

    select
        {%- for window_days in var('feature_windows_days') %}
            count(case when days_before_as_of < {{ window_days }} then 1 end)
                as count_active_days_{{ window_days }}d,
        {%- endfor %}
        customer_id
    from recent_days
    group by customer_id

),

final as (

    select
        customers.customer_id,
        cast(recency_and_decay.days_since_last_activity as {{ dbt.type_int() }}) as days_since_last_activity,
        {%- for window_days in var('feature_windows_days') %}
            cast(coalesce(active_days.count_active_days_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_active_days_{{ window_days }}d,
        {%- endfor %}
        cast(coalesce(recency_and_decay.engagement_decayed_raw, 0) as double) as engagement_decayed_raw
    from customers
    left join recency_and_decay
        on customers.customer_id = recency_and_decay.customer_id
    left join active_days
        on customers.customer_id = active_days.customer_id

)

select * from final
