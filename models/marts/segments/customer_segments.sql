{#- Public: one row per customer with RFM scores, a flag per segment, the primary
    segment by priority and the customer's cluster. -#}
with

features as (

    select * from {{ ref('customer_features') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

buyers as (

    select * from features
    where count_orders > 0

),

rfm_scores as (

    -- score = ceil(5 * cume_dist): quintiles in which tied customers share a score,
    -- so the result does not depend on row order. Recency: fewer days is better.
    select
        customer_id,
        cast(ceil(5 * cume_dist() over (order by days_since_last_order desc)) as {{ dbt.type_int() }}) as recency_score,
        cast(ceil(5 * cume_dist() over (order by count_orders)) as {{ dbt.type_int() }}) as frequency_score,
        cast(ceil(5 * cume_dist() over (order by total_revenue)) as {{ dbt.type_int() }}) as monetary_score

    from buyers

),

flags as (

    select
        features.customer_id,
        features.as_of_date,
        rfm_scores.recency_score,
        rfm_scores.frequency_score,
        rfm_scores.monetary_score,
        cast(rfm_scores.recency_score as {{ dbt.type_string() }})
        || cast(rfm_scores.frequency_score as {{ dbt.type_string() }})
        || cast(rfm_scores.monetary_score as {{ dbt.type_string() }}) as rfm_code,
        coalesce(features.days_since_last_order <= {{ var('recent_buyer_days') }}, false) as is_recent_buyer,
        features.revenue_{{ var('high_value_window_days') }}d > {{ var('high_value_min_revenue') }} as is_high_value,
        cast(clusters.cluster_id as {{ dbt.type_int() }}) as cluster_id

    from features
    left join rfm_scores
        on features.customer_id = rfm_scores.customer_id
    left join clusters
        on features.customer_id = clusters.customer_id

),

final as (

    select
        *,
        case
            when is_high_value then 'High Value'
            when is_recent_buyer then 'Recent Buyers'
            else 'Other'
        end as primary_segment

    from flags

)

select * from final
