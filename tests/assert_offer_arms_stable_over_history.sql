{#- Holdouts are stable (docs/campaigns.md): in segment_offer_history, a customer's
    arm of an offer is the same on every stored as_of_date while the offer's
    holdout_share is, and no first_assigned_date lies after its as_of_date. Returns one row per offending
    (customer, offer). -#}
with

history as (

    select * from {{ ref('segment_offer_history') }}

),

per_pair as (

    select
        customer_id,
        offer_id,
        holdout_share,
        count(distinct is_holdout) as count_arms,
        max(case when first_assigned_date > as_of_date then 1 else 0 end) as has_future_first_assignment
    from history
    group by customer_id, offer_id, holdout_share

),

validation_errors as (

    select * from per_pair
    where
        count_arms > 1
        or has_future_first_assignment = 1

)

select * from validation_errors
