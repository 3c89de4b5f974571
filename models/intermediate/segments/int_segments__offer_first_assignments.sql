{#- One row per customer and offer: the first stored as_of_date of
    segment_offer_history that assigned the offer, with the segment, share and arm
    of that date (the cohort segment_experiment_results reads the customer in).
    Kept incrementally: the pre-hook forgets the first assignments on or after the
    build's as_of_date (all of them when the table cannot be complete: the history
    lost its earlier dates, or the previous slice has pairs the table lacks), and
    this recomputes them from the history slices on and after that date for the
    pairs still unknown; a night reads one slice instead of the whole history
    (macro forget_first_assignments_to_recompute; docs/campaigns.md "Cohorts"). -#}
{{ pii_gate() }}
-- depends_on: {{ ref('int_as_of_date') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ forget_first_assignments_to_recompute(ref('segment_offer_history'), ref('int_as_of_date')) }}",
        post_hook="{{ purge_deleted_persons() }}",
    )
}}
with

-- inlined: read twice, DuckDB would otherwise materialize every stored date whole
-- (at 1M customers and 31 stored dates, 21M rows: 1.2 s of a 1.4 s select), where a
-- night needs the earliest date and one slice
history as {{ inline_cte() }} (

    select * from {{ ref('segment_offer_history') }}

),

{% if is_incremental() %}

    as_of as (

        select * from {{ ref('int_as_of_date') }}

    ),

    known_pairs as (

        select
            customer_id,
            offer_id
        from {{ this }}

    ),

    -- the slices from the build's as_of_date on, or every slice when nothing is
    -- kept (a first assignment kept was made before that date)
    recompute_from as (

        select
            case
                when exists (select 1 from known_pairs) then as_of.as_of_date
                else (select min(history.as_of_date) from history)
            end as as_of_date
        from as_of

    ),

    unknown_history as (

        select history.*
        from history
        left join known_pairs
            on
                history.customer_id = known_pairs.customer_id
                and history.offer_id = known_pairs.offer_id
        where
            history.as_of_date >= (select recompute_from.as_of_date from recompute_from)
            and known_pairs.customer_id is null

    ),

{% else %}

    unknown_history as (

        select * from history

    ),

{% endif %}

first_dates as (

    select
        customer_id,
        offer_id,
        min(as_of_date) as first_assigned_date
    from unknown_history
    group by customer_id, offer_id

),

final as (

    select
        unknown_history.customer_id,
        unknown_history.offer_id,
        first_dates.first_assigned_date,
        unknown_history.segment_name,
        unknown_history.holdout_share,
        unknown_history.is_holdout
    from unknown_history
    inner join first_dates
        on
            unknown_history.customer_id = first_dates.customer_id
            and unknown_history.offer_id = first_dates.offer_id
            and unknown_history.as_of_date = first_dates.first_assigned_date

)

select * from final
