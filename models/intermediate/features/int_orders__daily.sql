{#- One row per customer and UTC order date: purchases, revenue, refunds and
    cancellations of that day. No as_of filter here: it is applied downstream, so this
    table is built once and read by any as_of.

    Incremental: each run re-processes every order date from (latest stored date -
    var feature_lookback_days) on, deleting and re-inserting those whole days, so late
    rows and status changes (a completed order later refunded) inside the look-back
    are picked up. The delete key is the date, not the customer-day, so a customer-day
    that lost all its orders disappears too. Older changes need `--full-refresh`. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='ordered_date',
        on_schema_change='fail',
        post_hook="{{ purge_departed_customers() }}",
    )
}}

with

orders as (

    select * from {{ ref('int_orders__resolved') }}
    where customer_id is not null

),

reprocess_from as (

    {{ incremental_reprocess_from('ordered_date') }}

),

orders_to_process as (

    select orders.*
    from orders
    cross join reprocess_from
    where
        reprocess_from.reprocess_from_date is null
        or orders.ordered_date >= reprocess_from.reprocess_from_date

),

final as (

    select
        customer_id,
        ordered_date,
        cast(sum(case when order_status = 'completed' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_orders,
        cast(sum(case when order_status = 'completed' then amount else 0 end) as {{ dbt.type_numeric() }})
            as revenue,
        cast(sum(case when is_refunded then 1 else 0 end) as {{ dbt.type_int() }}) as count_refunds,
        cast(sum(case when is_refunded then amount else 0 end) as {{ dbt.type_numeric() }})
            as refunded_amount,
        cast(sum(case when is_cancelled then 1 else 0 end) as {{ dbt.type_int() }}) as count_cancellations

    from orders_to_process
    group by customer_id, ordered_date

)

select * from final
