{#- Public: one row per canonical customer with every feature as of as_of_date. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

rfm as (

    select * from {{ ref('int_customers__rfm') }}

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
        customers.is_loyalty_member,
        customers.loyalty_tier,
        cast(customers.signup_at as date) as signup_date,

        -- operational RFM
        rfm.first_order_date,
        rfm.last_order_date,
        rfm.days_since_last_order,
        rfm.count_orders,
        rfm.total_revenue,
        rfm.avg_order_value,
        rfm.count_refunds,

        -- trailing windows
    {%- for window_days in var('feature_windows_days') %}
        rfm.count_orders_{{ window_days }}d,
        rfm.revenue_{{ window_days }}d{{ "," if not loop.last }}
    
{%- endfor %}

    from customers
    inner join rfm
        on customers.customer_id = rfm.customer_id

)

select * from final
