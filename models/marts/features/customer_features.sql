{#- Public: one row per canonical customer with every feature as of as_of_date.
    Formulas are documented column by column in _features__models.yml and in
    docs/features.md; the intermediate feature models compute them. -#}
{{ pii_gate() }}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

rfm as (

    select * from {{ ref('int_customers__rfm') }}

),

btyd as (

    select * from {{ ref('int_customers__btyd') }}

),

web_behaviour as (

    select * from {{ ref('int_customers__web_behaviour') }}

),

email_engagement as (

    select * from {{ ref('int_customers__email_engagement') }}

),

activity as (

    select * from {{ ref('int_customers__activity') }}

),

engagement as (

    select * from {{ ref('int_customers__engagement') }}

),

demographics as (

    select * from {{ ref('int_customers__demographics') }}

),

category_affinity as (

    select * from {{ ref('int_customers__category_affinity') }}

),

campaign_touchpoints as (

    select * from {{ ref('int_customers__campaign_touchpoints') }}

),

final as (

    select
        -- grain
        customers.customer_id,
        rfm.as_of_date,

        -- profile
        customers.gender,
        customers.income_band,
        customers.country_code,
        demographics.region,
        demographics.age_years,
        demographics.age_band,
        customers.is_loyalty_member,
        customers.loyalty_tier,
        cast(customers.signup_at as date) as signup_date,
        cast(
            case
                when cast(customers.signup_at as date) <= rfm.as_of_date
                    then {{ dbt.datediff('cast(customers.signup_at as date)', 'rfm.as_of_date', 'day') }}
            end as {{ dbt.type_int() }}
        ) as tenure_days,

        -- operational RFM
        rfm.first_order_date,
        rfm.last_order_date,
        rfm.days_since_last_order,
        rfm.days_since_first_order,
        rfm.count_orders,
        rfm.total_revenue,
        rfm.avg_order_value,
        rfm.count_refunds,
        activity.days_since_last_activity,

        -- trailing windows
        {%- for window_days in var('feature_windows_days') %}
            rfm.count_orders_{{ window_days }}d,
            rfm.revenue_{{ window_days }}d,
            rfm.count_refunds_{{ window_days }}d,
            web_behaviour.count_sessions_{{ window_days }}d,
            web_behaviour.avg_session_duration_seconds_{{ window_days }}d,
            web_behaviour.avg_pages_per_session_{{ window_days }}d,
            web_behaviour.count_product_views_{{ window_days }}d,
            web_behaviour.count_cart_adds_{{ window_days }}d,
            web_behaviour.cart_abandonment_rate_{{ window_days }}d,
            email_engagement.email_open_rate_{{ window_days }}d,
            email_engagement.email_click_rate_{{ window_days }}d,
            activity.count_active_days_{{ window_days }}d,
        {%- endfor %}

        -- preferences over the longest window
        web_behaviour.preferred_device,
        web_behaviour.preferred_channel,
        web_behaviour.preferred_day_part,

        -- product category affinity (var category_affinity_window_days)
        category_affinity.top_product_category,
        category_affinity.share_of_spend_top_category,
        category_affinity.count_product_categories,

        -- campaign touchpoints
        {%- for window_days in var('feature_windows_days') %}
            campaign_touchpoints.count_campaign_events_{{ window_days }}d,
            campaign_touchpoints.count_campaign_sessions_{{ window_days }}d,
        {%- endfor %}
        campaign_touchpoints.count_campaigns,
        campaign_touchpoints.first_touch_campaign,
        campaign_touchpoints.last_touch_campaign,
        campaign_touchpoints.first_campaign_touch_date,
        campaign_touchpoints.last_campaign_touch_date,
        campaign_touchpoints.days_since_last_campaign_touch,

        -- BTYD convention (lifetimes, freq = day)
        btyd.btyd_frequency,
        btyd.btyd_recency_days,
        btyd.btyd_t_days,
        btyd.btyd_monetary_value,

        -- engagement
        engagement.engagement_score,
        engagement.engagement_score_decayed

    from customers
    inner join rfm
        on customers.customer_id = rfm.customer_id
    inner join web_behaviour
        on customers.customer_id = web_behaviour.customer_id
    inner join email_engagement
        on customers.customer_id = email_engagement.customer_id
    inner join activity
        on customers.customer_id = activity.customer_id
    inner join engagement
        on customers.customer_id = engagement.customer_id
    inner join demographics
        on customers.customer_id = demographics.customer_id
    inner join category_affinity
        on customers.customer_id = category_affinity.customer_id
    inner join campaign_touchpoints
        on customers.customer_id = campaign_touchpoints.customer_id
    left join btyd
        on customers.customer_id = btyd.customer_id

)

select * from final
