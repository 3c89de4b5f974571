{#- int_segments__offer_first_assignments agrees with segment_offer_history on the
    as_of date this run wrote (the only date a build replaces; the deletion purge
    runs on both): every (customer, offer) assigned that date has a first
    assignment on or before it, and every first assignment on that date is a row of
    that date with the same segment and arm. Earlier dates were checked by the runs
    that wrote them, so the test does not grow with the history. The soak rebuilds
    the table from the whole history every night and compares (docs/soak.md).
    A build of segment_offer_history without the table at an earlier date (`dbt
    build --select +segment_offer_history`) runs this test too (its parent was
    selected) and fails it: then build int_segments__offer_first_assignments with
    --full-refresh (docs/campaigns.md "Cohorts").
    Returns one row per offending (customer, offer). -#}
with

history as (

    select * from {{ ref('segment_offer_history') }}
    where {{ segmentation.run_as_of_date_condition('as_of_date') }}

),

first_assignments as (

    select * from {{ ref('int_segments__offer_first_assignments') }}

),

run_dates as (

    select distinct as_of_date from history

),

assigned_without_first_assignment as (

    select
        history.customer_id,
        history.offer_id,
        'assigned on the run''s date, first assignment missing or later' as problem
    from history
    left join first_assignments
        on
            history.customer_id = first_assignments.customer_id
            and history.offer_id = first_assignments.offer_id
            and history.as_of_date >= first_assignments.first_assigned_date
    where first_assignments.customer_id is null

),

first_assignment_without_row as (

    select
        first_assignments.customer_id,
        first_assignments.offer_id,
        'first assigned on the run''s date without that row, segment or arm' as problem
    from first_assignments
    left join history
        on
            first_assignments.customer_id = history.customer_id
            and first_assignments.offer_id = history.offer_id
            and first_assignments.first_assigned_date = history.as_of_date
            and first_assignments.segment_name is not distinct from history.segment_name
            and first_assignments.is_holdout = history.is_holdout
    where
        first_assignments.first_assigned_date in (select run_dates.as_of_date from run_dates)
        and history.customer_id is null

),

validation_errors as (

    select * from assigned_without_first_assignment
    union all
    select * from first_assignment_without_row

)

select * from validation_errors
