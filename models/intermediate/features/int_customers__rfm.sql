{#- Operational RFM per canonical customer as of as_of_date, lifetime and over the
    trailing windows in var('feature_windows_days'). Only completed orders are
    purchases; refunds are counted separately; cancelled orders count for nothing.
    Order days after as_of_date are ignored. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

order_days as (

    select
        order_days.*,
        {{ dbt.datediff('order_days.ordered_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from {{ ref('int_orders__daily') }} as order_days
    cross join as_of
    where order_days.ordered_date <= as_of.as_of_date

),

aggregated as (

    select
        customer_id,
        {%- for window_days in var('feature_windows_days') %}
            sum(case when days_before_as_of < {{ window_days }} then count_orders else 0 end)
                as count_orders_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} then revenue else 0 end)
                as revenue_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} then count_refunds else 0 end)
                as count_refunds_{{ window_days }}d,
        {%- endfor %}
        min(case when count_orders > 0 then ordered_date end) as first_order_date,
        max(case when count_orders > 0 then ordered_date end) as last_order_date,
        sum(count_orders) as count_orders,
        sum(revenue) as total_revenue,
        sum(count_refunds) as count_refunds

    from order_days
    group by customer_id

),

final as (

    select
        customers.customer_id,
        as_of.as_of_date,
        {%- for window_days in var('feature_windows_days') %}
            cast(coalesce(aggregated.count_orders_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_orders_{{ window_days }}d,
            cast(coalesce(aggregated.revenue_{{ window_days }}d, 0) as {{ dbt.type_numeric() }})
                as revenue_{{ window_days }}d,
            cast(coalesce(aggregated.count_refunds_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_refunds_{{ window_days }}d,
        {%- endfor %}
        aggregated.first_order_date,
        aggregated.last_order_date,
        cast(
            {{ dbt.datediff('aggregated.last_order_date', 'as_of.as_of_date', 'day') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as days_since_last_order,
        cast(
            {{ dbt.datediff('aggregated.first_order_date', 'as_of.as_of_date', 'day') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as days_since_first_order,
        cast(coalesce(aggregated.count_orders, 0) as {{ dbt.type_int() }}) as count_orders,
        cast(coalesce(aggregated.count_refunds, 0) as {{ dbt.type_int() }}) as count_refunds,
        cast(coalesce(aggregated.total_revenue, 0) as {{ dbt.type_numeric() }}) as total_revenue,
        cast(
            aggregated.total_revenue / nullif(aggregated.count_orders, 0) as {{ dbt.type_numeric() }}
        ) as avg_order_value

    from customers
    cross join as_of
    left join aggregated
        on customers.customer_id = aggregated.customer_id

)

select * from final
