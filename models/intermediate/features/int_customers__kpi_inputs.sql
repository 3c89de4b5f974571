{#- One row per customer of customer_features as of as_of_date: what segment_kpis
    aggregates. Revenue and completed orders over the var segment_kpi_window_days
    window (days before as_of_date < window: customer_features' revenue_{w}d and
    count_orders_{w}d), in total and per sales channel: web, app and store
    (kpi_sales_channels()) and 'other' for any other value. Total and channels are
    summed from the same orders separately, so a test can prove the channels add
    up; both come from int_orders__resolved rather than customer_features, which
    reads the incremental int_orders__daily: a build with an as_of before the
    database's last one would otherwise mix in orders loaded after as_of. -#}
{%- set window = var('segment_kpi_window_days') -%}
with

features as (

    select * from {{ ref('customer_features') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchases as (

    select * from {{ ref('int_orders__resolved') }}
    where customer_id is not null and order_status = 'completed'

),

windowed_purchases as (

    select
        purchases.customer_id,
        purchases.amount,
        case
            {%- for channel in kpi_sales_channels() %}
                when purchases.sales_channel = {{ sql_string(channel) }} then {{ sql_string(channel) }}
            {%- endfor %}
            else 'other'
        end as channel_bucket

    from purchases
    cross join as_of
    where
        purchases.ordered_date <= as_of.as_of_date
        and {{ dbt.datediff('purchases.ordered_date', 'as_of.as_of_date', 'day') }} < {{ window }}  -- noqa: LT05

),

by_channel as (

    select
        customer_id,
        sum(amount) as revenue_in_window,
        count(*) as count_orders_in_window,
        {%- for channel in kpi_channel_buckets() %}
            sum(case when channel_bucket = {{ sql_string(channel) }} then amount else 0 end)
                as revenue_in_window_{{ channel }},
            sum(case when channel_bucket = {{ sql_string(channel) }} then 1 else 0 end)
                as count_orders_in_window_{{ channel }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from windowed_purchases
    group by customer_id

),

final as (

    select
        features.as_of_date,
        features.customer_id,
        cast(coalesce(by_channel.revenue_in_window, 0) as {{ dbt.type_numeric() }}) as revenue_in_window,
        cast(coalesce(by_channel.count_orders_in_window, 0) as {{ dbt.type_int() }}) as count_orders_in_window,
        features.count_orders,
        features.engagement_score,
        {%- for channel in kpi_channel_buckets() %}
            cast(coalesce(by_channel.revenue_in_window_{{ channel }}, 0) as {{ dbt.type_numeric() }})
                as revenue_in_window_{{ channel }},
            cast(coalesce(by_channel.count_orders_in_window_{{ channel }}, 0) as {{ dbt.type_int() }})
                as count_orders_in_window_{{ channel }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from features
    left join by_channel
        on features.customer_id = by_channel.customer_id

)

select * from final
