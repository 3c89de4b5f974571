{#- Holdouts are stable (docs/campaigns.md): in segment_offer_history, a customer's
    arm of an offer on the as_of date this run wrote is their arm on the first date
    they were assigned the offer (int_segments__offer_first_assignments) while the
    offer's holdout_share is the same as then, and no first_assigned_date of that
    date lies after it. A history mart writes only the run's date, so every earlier
    date was checked against the first assignment by the run that wrote it, and the
    test reads one date, not the whole history (at 1M customers and 31 stored dates,
    grouping every date took 4.9 s). Returns one row per offending (customer, offer). -#}
with

history as (

    select * from {{ ref('segment_offer_history') }}
    where {{ segmentation.run_as_of_date_condition('as_of_date') }}

),

first_assignments as (

    select * from {{ ref('int_segments__offer_first_assignments') }}

),

validation_errors as (

    select
        history.as_of_date,
        history.customer_id,
        history.offer_id,
        history.holdout_share,
        history.is_holdout,
        history.first_assigned_date,
        first_assignments.first_assigned_date as first_assignment_date,
        first_assignments.is_holdout as first_assignment_is_holdout
    from history
    left join first_assignments
        on
            history.customer_id = first_assignments.customer_id
            and history.offer_id = first_assignments.offer_id
    where
        history.first_assigned_date > history.as_of_date
        or (
            history.holdout_share = first_assignments.holdout_share
            and history.is_holdout != first_assignments.is_holdout
        )

)

select * from validation_errors
