{#- Public: segment_kpis per stored as_of_date, with revenue and orders split by
    sales channel. A table recomputed on every build from two histories kept per
    as_of_date (segment_membership_history, int_customers__kpi_inputs_history), so a
    deletion request removes the person from every as_of_date's KPIs, as from
    segment_history. -#}
{{ pii_gate() }}
with

kpi_inputs_history as {{ inline_cte() }} (

    select * from {{ ref('int_customers__kpi_inputs_history') }}

),

membership_history as {{ inline_cte() }} (

    select * from {{ ref('segment_membership_history') }}

),

current_as_of as (

    select * from {{ ref('int_as_of_date') }}

),

configured_segments as (

    {{ configured_segments_select() }}

),

-- the stored dates and the build's own as_of, which has rows (zeros) even when no
-- customer has KPI inputs yet, as in segment_kpis
as_of_dates as (

    select as_of_date from kpi_inputs_history
    union
    select as_of_date from current_as_of

),

-- the segments that had members at an as_of_date, as defined then (only dates
-- with KPI inputs: membership history can reach back further)
stored_segments as (

    select distinct
        membership_history.as_of_date,
        membership_history.segment_name,
        membership_history.segment_kind,
        membership_history.segment_priority

    from membership_history
    inner join as_of_dates
        on membership_history.as_of_date = as_of_dates.as_of_date

),

-- configured segments without members at an as_of_date still get a row, as in
-- segment_kpis
empty_segments as (

    select
        as_of_dates.as_of_date,
        configured_segments.segment_name,
        configured_segments.segment_kind,
        configured_segments.segment_priority

    from as_of_dates
    cross join configured_segments
    left join stored_segments
        on
            as_of_dates.as_of_date = stored_segments.as_of_date
            and configured_segments.segment_name = stored_segments.segment_name
    where stored_segments.segment_name is null

),

segments as (

    select * from stored_segments
    union all
    select * from empty_segments

),

{{ segment_kpi_ctes('segments', 'membership_history', 'kpi_inputs_history') }},

final as (

    select * from segment_kpis_computed

)

select * from final
