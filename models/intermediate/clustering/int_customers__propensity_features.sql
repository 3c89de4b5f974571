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
    their snapshot: propensity_fit trains on ranks up to var
    propensity_training_sample_size, so the sample is chosen in the engine and does not
    depend on the order rows arrive in. The label and the rank need every customer of
    a labelled snapshot (the top share is a share of all of them); the features only
    the sample's, so only the sample's labelled rows are kept: at 1M customers the
    features aggregate about a third of the order rows they did with every labelled
    customer. -#}
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

labelled as (

    select
        customer_id,
        snapshot_name,
        snapshot_date,
        signup_date

    from customer_snapshots
    where snapshot_name != 'scoring'

),

-- the orders that can fall in a labelled snapshot's horizon: after the earliest
-- snapshot (as_of - 2 x horizon)
horizon_purchases as (

    select
        purchases.customer_id,
        purchases.ordered_date,
        purchases.amount

    from purchases
    cross join as_of
    where purchases.ordered_date > {{ dbt.dateadd('day', -2 * horizon_days, 'as_of.as_of_date') }}

),

horizon_facts as (

    select
        labelled.customer_id,
        labelled.snapshot_name,
        horizon_purchases.amount,
        {{ dbt.datediff('labelled.snapshot_date', 'horizon_purchases.ordered_date', 'day') }}
            as days_after_snapshot

    from labelled
    inner join horizon_purchases
        on labelled.customer_id = horizon_purchases.customer_id

),

future_revenue as (

    select
        customer_id,
        snapshot_name,
        sum(amount) as future_revenue

    from horizon_facts
    where days_after_snapshot > 0 and days_after_snapshot <= {{ horizon_days }}
    group by 1, 2

),

labelled_revenue as (

    select
        labelled.*,
        cast(coalesce(future_revenue.future_revenue, 0) as double) as future_revenue

    from labelled
    left join future_revenue
        on
            labelled.customer_id = future_revenue.customer_id
            and labelled.snapshot_name = future_revenue.snapshot_name

),

labelled_ranked as (

    select
        *,
        -- Top share by future revenue: cume_dist gives tied customers one answer;
        -- customers without future revenue are never in the target.
        (
            future_revenue > 0
            and cume_dist() over (partition by snapshot_name order by future_revenue)
            > 1 - {{ var('propensity_top_share') }}
        ) as is_target,
        cast(row_number() over (
            partition by snapshot_name
            order by
                {{ dbt.hash(dbt.concat(['customer_id', "'|" ~ var('cluster_random_seed') ~ "'"])) }},
                customer_id
        ) as {{ dbt.type_int() }}) as training_sample_rank

    from labelled_revenue

),

-- the rows whose features are computed: every scoring row, the labelled sample
featured as (

    select
        customer_id,
        snapshot_name,
        snapshot_date,
        signup_date,
        cast(null as double) as future_revenue,
        cast(null as boolean) as is_target,
        cast(null as {{ dbt.type_int() }}) as training_sample_rank

    from customer_snapshots
    where snapshot_name = 'scoring'

    union all

    select
        customer_id,
        snapshot_name,
        snapshot_date,
        signup_date,
        future_revenue,
        is_target,
        training_sample_rank

    from labelled_ranked
    where training_sample_rank <= {{ var('propensity_training_sample_size') }}

),

order_facts as (

    select
        featured.customer_id,
        featured.snapshot_name,
        purchases.ordered_date,
        purchases.amount,
        {{ dbt.datediff('featured.snapshot_date', 'purchases.ordered_date', 'day') }}
            as days_after_snapshot

    from featured
    inner join purchases
        on featured.customer_id = purchases.customer_id
    where purchases.ordered_date <= featured.snapshot_date

),

aggregated as (

    select
        customer_id,
        snapshot_name,
        count(*) as count_orders,
        sum(amount) as total_revenue,
        {%- for window_days in var('propensity_feature_windows_days') %}
            sum(case when -days_after_snapshot < {{ window_days }} then 1 else 0 end)
                as count_orders_{{ window_days }}d,
            sum(case when -days_after_snapshot < {{ window_days }} then amount else 0 end)
                as revenue_{{ window_days }}d,
        {%- endfor %}
        max(ordered_date) as last_order_date

    from order_facts
    group by 1, 2

),

final as (

    select
        featured.customer_id,
        featured.snapshot_name,
        featured.snapshot_date,
        cast(
            {{ dbt.datediff('featured.signup_date', 'featured.snapshot_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as tenure_days,
        cast(
            {{ dbt.datediff('aggregated.last_order_date', 'featured.snapshot_date', 'day') }}
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
        featured.future_revenue,
        featured.is_target,
        featured.training_sample_rank

    from featured
    left join aggregated
        on
            featured.customer_id = aggregated.customer_id
            and featured.snapshot_name = aggregated.snapshot_name

)

select * from final
