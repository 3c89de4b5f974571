{#- The clustering population: customers with at least one purchase (a completed
    order with ordered_date <= as_of_date) as of as_of. Everyone else has no recency,
    order value or spend to cluster on, only imputations; they get no cluster
    (customer_clusters labels them var cluster_unclustered_description).

    A view: cluster_fit reads a few of its columns, int_customers__cluster_scaled
    unpivots it once; a copy of wide customer_features would be written for nothing. -#}
{{ config(materialized='view') }}
with

features as (

    select * from {{ ref('customer_features') }}

),

final as (

    select * from features
    where count_orders > 0

)

select * from final
