{#- Activity per canonical customer as of as_of_date: days since the last activity,
    active days per trailing window, and the raw time-decayed engagement.
    Activity = an order of any status, a web/app event, an email open or click
    (a send is not the customer's doing). Decay units: sessions (by session date),
    purchases, email opens and clicks, each weighted by var engagement_decay_weights
    and halved every var engagement_half_life_days before as_of_date. -#}
{%- set decay_weights = var('engagement_decay_weights') -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

order_days as (

    select
        customer_id,
        ordered_date as activity_date,
        cast(0 as {{ dbt.type_int() }}) as count_sessions,
        count_orders,
        cast(0 as {{ dbt.type_int() }}) as count_email_opens,
        cast(0 as {{ dbt.type_int() }}) as count_email_clicks

    from {{ ref('int_orders__daily') }}

),

event_days as (

    select
        customer_id,
        occurred_date as activity_date,
        cast(0 as {{ dbt.type_int() }}) as count_sessions,
        cast(0 as {{ dbt.type_int() }}) as count_orders,
        cast(0 as {{ dbt.type_int() }}) as count_email_opens,
        cast(0 as {{ dbt.type_int() }}) as count_email_clicks

    from {{ ref('int_events__daily') }}

),

session_days as (

    select
        customer_id,
        session_date as activity_date,
        cast(count(*) as {{ dbt.type_int() }}) as count_sessions,
        cast(0 as {{ dbt.type_int() }}) as count_orders,
        cast(0 as {{ dbt.type_int() }}) as count_email_opens,
        cast(0 as {{ dbt.type_int() }}) as count_email_clicks

    from {{ ref('int_events__sessions') }}
    group by customer_id, session_date

),

email_days as (

    select
        customer_id,
        occurred_date as activity_date,
        cast(0 as {{ dbt.type_int() }}) as count_sessions,
        cast(0 as {{ dbt.type_int() }}) as count_orders,
        count_opens as count_email_opens,
        count_clicks as count_email_clicks

    from {{ ref('int_email_events__daily') }}
    where count_opens + count_clicks > 0

),

activity_days as (

    select * from order_days
    union all
    select * from event_days
    union all
    select * from session_days
    union all
    select * from email_days

),

activity_until_as_of as (

    select
        activity_days.*,
        {{ dbt.datediff('activity_days.activity_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from activity_days
    cross join as_of
    where activity_days.activity_date <= as_of.as_of_date

),

activity_dates as (

    -- one row per customer and active date, so windows count rows, not distinct dates
    select
        customer_id,
        activity_date,
        days_before_as_of,
        sum(count_sessions) as count_sessions,
        sum(count_orders) as count_orders,
        sum(count_email_opens) as count_email_opens,
        sum(count_email_clicks) as count_email_clicks
    from activity_until_as_of
    group by customer_id, activity_date, days_before_as_of

),

aggregated as (

    select
        customer_id,
        min(days_before_as_of) as days_since_last_activity,
        {%- for window_days in var('feature_windows_days') %}
            count(case when days_before_as_of < {{ window_days }} then activity_date end)
                as count_active_days_{{ window_days }}d,
        {%- endfor %}
        {{ segmentation.exact_sum(
            '(' ~ decay_weights['session'] ~ ' * count_sessions'
            ~ ' + ' ~ decay_weights['order'] ~ ' * count_orders'
            ~ ' + ' ~ decay_weights['email_open'] ~ ' * count_email_opens'
            ~ ' + ' ~ decay_weights['email_click'] ~ ' * count_email_clicks)'
            ~ ' * power(0.5, days_before_as_of / cast(' ~ var('engagement_half_life_days') ~ ' as double))'
        ) }} as engagement_decayed_raw

    from activity_dates
    group by customer_id

),

final as (

    select
        customers.customer_id,
        cast(aggregated.days_since_last_activity as {{ dbt.type_int() }}) as days_since_last_activity,
        {%- for window_days in var('feature_windows_days') %}
            cast(coalesce(aggregated.count_active_days_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_active_days_{{ window_days }}d,
        {%- endfor %}
        cast(coalesce(aggregated.engagement_decayed_raw, 0) as double) as engagement_decayed_raw

    from customers
    left join aggregated
        on customers.customer_id = aggregated.customer_id

)

select * from final
