{#- Operational RFM per canonical customer as of as_of_date, lifetime and over the
    trailing windows in var('feature_windows_days'). Only completed orders count as
    purchases; refunded and cancelled orders are counted separately. Orders after
    as_of_date are ignored. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

orders as (

    select orders.*, as_of.as_of_date
    from {{ ref('int_orders__resolved') }} as orders
    cross join as_of
    where orders.customer_id is not null
        and orders.ordered_date <= as_of.as_of_date

),

order_facts as (

    select
        customer_id,
        as_of_date,
        ordered_date,
        amount,
        order_status = 'completed' as is_purchase,
        is_refunded,
        {{ dbt.datediff('ordered_date', 'as_of_date', 'day') }} as days_before_as_of

    from orders

),

aggregated as (

    select
        customer_id,
        min(case when is_purchase then ordered_date end) as first_order_date,
        max(case when is_purchase then ordered_date end) as last_order_date,
        sum(case when is_purchase then 1 else 0 end) as count_orders,
        sum(case when is_purchase then amount else 0 end) as total_revenue,
        sum(case when is_refunded then 1 else 0 end) as count_refunds,
        {%- for window_days in var('feature_windows_days') %}
        sum(case when is_purchase and days_before_as_of < {{ window_days }} then 1 else 0 end)
            as count_orders_{{ window_days }}d,
        sum(case when is_purchase and days_before_as_of < {{ window_days }} then amount else 0 end)
            as revenue_{{ window_days }}d{{ "," if not loop.last }}
        {%- endfor %}

    from order_facts
    group by 1

),

final as (

    select
        customers.customer_id,
        as_of.as_of_date,
        aggregated.first_order_date,
        aggregated.last_order_date,
        cast({{ dbt.datediff('aggregated.last_order_date', 'as_of.as_of_date', 'day') }} as {{ dbt.type_int() }})
            as days_since_last_order,
        cast(coalesce(aggregated.count_orders, 0) as {{ dbt.type_int() }}) as count_orders,
        cast(coalesce(aggregated.count_refunds, 0) as {{ dbt.type_int() }}) as count_refunds,
        cast(coalesce(aggregated.total_revenue, 0) as {{ dbt.type_numeric() }}) as total_revenue,
        cast(
            aggregated.total_revenue / nullif(aggregated.count_orders, 0) as {{ dbt.type_numeric() }}
        ) as avg_order_value,
        {%- for window_days in var('feature_windows_days') %}
        cast(coalesce(aggregated.count_orders_{{ window_days }}d, 0) as {{ dbt.type_int() }})
            as count_orders_{{ window_days }}d,
        cast(coalesce(aggregated.revenue_{{ window_days }}d, 0) as {{ dbt.type_numeric() }})
            as revenue_{{ window_days }}d{{ "," if not loop.last }}
        {%- endfor %}

    from customers
    cross join as_of
    left join aggregated
        on customers.customer_id = aggregated.customer_id

)

select * from final
