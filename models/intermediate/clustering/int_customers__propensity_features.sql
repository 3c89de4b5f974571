{#- Features for predictive segmentation at three snapshots, computed with the same
    formulas so training and scoring agree:
    - training: as of as_of_date - var('propensity_horizon_days') (back-dated), for
      customers signed up by then, labelled with the revenue of the following horizon
      (snapshot_date, snapshot_date + horizon];
    - out_of_time_training: the same one horizon earlier (as_of_date - 2 x horizon),
      labelled up to the training snapshot: the out-of-time check fits on it and
      scores the training snapshot, so no label it learns from reaches past it;
    - scoring: as of as_of_date, every customer, no label.
    A window of N days covers (snapshot_date - N, snapshot_date]. Labelled rows carry
    training_sample_rank, the order of md5(customer id | var cluster_random_seed) in
    their snapshot: propensity_fit reads ranks up to var
    propensity_training_sample_size, so the sample is chosen in the engine and does not
    depend on the order rows arrive in. -#}
{%- set horizon_days = var('propensity_horizon_days') -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchases as (

    select * from {{ ref('int_orders__resolved') }}
    where customer_id is not null and order_status = 'completed'

),

snapshots as (

    select
        'training' as snapshot_name,
        cast({{ dbt.dateadd('day', -horizon_days, 'as_of_date') }} as date) as snapshot_date
    from as_of

    union all

    select
        'out_of_time_training' as snapshot_name,
        cast({{ dbt.dateadd('day', -2 * horizon_days, 'as_of_date') }} as date) as snapshot_date
    from as_of

    union all

    select
        'scoring' as snapshot_name,
        as_of_date as snapshot_date
    from as_of

),

customer_snapshots as (

    select
        customers.customer_id,
        snapshots.snapshot_name,
        snapshots.snapshot_date,
        cast(customers.signup_at as date) as signup_date

    from customers
    cross join snapshots
    where
        snapshots.snapshot_name = 'scoring'
        or cast(customers.signup_at as date) <= snapshots.snapshot_date

),

order_facts as (

    select
        customer_snapshots.customer_id,
        customer_snapshots.snapshot_name,
        purchases.ordered_date,
        purchases.amount,
        purchases.ordered_date <= customer_snapshots.snapshot_date as is_before_snapshot,
        {{ dbt.datediff('customer_snapshots.snapshot_date', 'purchases.ordered_date', 'day') }}
            as days_after_snapshot

    from customer_snapshots
    inner join purchases
        on customer_snapshots.customer_id = purchases.customer_id

),

aggregated as (

    select
        customer_id,
        snapshot_name,
        max(case when is_before_snapshot then ordered_date end) as last_order_date,
        sum(case when is_before_snapshot then 1 else 0 end) as count_orders,
        sum(case when is_before_snapshot then amount else 0 end) as total_revenue,
        {%- for window_days in var('propensity_feature_windows_days') %}
            sum(case when is_before_snapshot and -days_after_snapshot < {{ window_days }} then 1 else 0 end)
                as count_orders_{{ window_days }}d,
            sum(case when is_before_snapshot and -days_after_snapshot < {{ window_days }} then amount else 0 end)
                as revenue_{{ window_days }}d,
        {%- endfor %}
        sum(
            case when days_after_snapshot > 0 and days_after_snapshot <= {{ horizon_days }} then amount else 0 end
        ) as future_revenue

    from order_facts
    group by 1, 2

),

joined as (

    select
        customer_snapshots.customer_id,
        customer_snapshots.snapshot_name,
        customer_snapshots.snapshot_date,
        cast(
            {{ dbt.datediff('customer_snapshots.signup_date', 'customer_snapshots.snapshot_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as tenure_days,
        cast(
            {{ dbt.datediff('aggregated.last_order_date', 'customer_snapshots.snapshot_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_since_last_order,
        cast(coalesce(aggregated.count_orders, 0) as {{ dbt.type_int() }}) as count_orders,
        cast(coalesce(aggregated.total_revenue, 0) as double) as total_revenue,
        cast(aggregated.total_revenue / nullif(aggregated.count_orders, 0) as double) as avg_order_value,
        {%- for window_days in var('propensity_feature_windows_days') %}
            cast(coalesce(aggregated.count_orders_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_orders_{{ window_days }}d,
            cast(coalesce(aggregated.revenue_{{ window_days }}d, 0) as double) as revenue_{{ window_days }}d,
        {%- endfor %}
        case
            when customer_snapshots.snapshot_name != 'scoring'
                then cast(coalesce(aggregated.future_revenue, 0) as double)
        end as future_revenue

    from customer_snapshots
    left join aggregated
        on
            customer_snapshots.customer_id = aggregated.customer_id
            and customer_snapshots.snapshot_name = aggregated.snapshot_name

),

final as (

    select
        *,
        -- Top share by future revenue: cume_dist gives tied customers one answer;
        -- customers without future revenue are never in the target.
        case
            when snapshot_name != 'scoring'
                then
                    future_revenue > 0
                    and cume_dist() over (partition by snapshot_name order by future_revenue)
                    > 1 - {{ var('propensity_top_share') }}
        end as is_target,
        case
            when snapshot_name != 'scoring'
                then
                    cast(row_number() over (
                        partition by snapshot_name
                        order by
                            {{ dbt.hash(dbt.concat(['customer_id', "'|" ~ var('cluster_random_seed') ~ "'"])) }},
                            customer_id
                    ) as {{ dbt.type_int() }})
        end as training_sample_rank

    from joined

)

select * from final
