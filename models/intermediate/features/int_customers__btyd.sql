{#- RFM in the BTYD convention of lifetimes' summary_data_from_transaction_data
    (freq='D', observation_period_end = as_of_date, include_first_transaction=False),
    one row per customer with at least one purchase on or before as_of_date.
    Purchases (completed orders) are collapsed per customer and UTC day; the first
    purchase day is the customer's birth and is not a repeat. -#}
with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchase_days as (

    select
        order_days.customer_id,
        order_days.ordered_date,
        order_days.revenue,
        as_of.as_of_date

    from {{ ref('int_orders__daily') }} as order_days
    cross join as_of
    where
        order_days.count_orders > 0
        and order_days.ordered_date <= as_of.as_of_date

),

ranked as (

    select
        *,
        min(ordered_date) over (partition by customer_id) as first_purchase_date

    from purchase_days

),

aggregated as (

    select
        customer_id,
        as_of_date,
        min(first_purchase_date) as first_purchase_date,
        max(ordered_date) as last_purchase_date,
        count(*) - 1 as count_repeat_purchase_days,
        sum(case when ordered_date > first_purchase_date then revenue else 0 end) as repeat_revenue

    from ranked
    group by customer_id, as_of_date

),

final as (

    select
        customer_id,
        cast(count_repeat_purchase_days as {{ dbt.type_int() }}) as btyd_frequency,
        cast(
            {{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as btyd_recency_days,
        cast(
            {{ dbt.datediff('first_purchase_date', 'as_of_date', 'day') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as btyd_t_days,
        cast(
            coalesce(repeat_revenue / nullif(count_repeat_purchase_days, 0), 0) as double
        ) as btyd_monetary_value

    from aggregated

)

select * from final
