{#- Public: one row per configured segment with size and KPIs over the var
    segment_kpi_window_days window, as of as_of_date. The computation
    (segment_kpi_ctes) is shared with segment_kpis_history, which adds the split by
    sales channel. -#}
{{ pii_gate() }}
with

kpi_inputs as (

    select * from {{ ref('int_customers__kpi_inputs') }}

),

membership as (

    select * from {{ ref('segment_membership') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

configured_segments as (

    {{ configured_segments_select() }}

),

segments as (

    select
        as_of.as_of_date,
        configured_segments.segment_name,
        configured_segments.segment_kind,
        configured_segments.segment_priority

    from configured_segments
    cross join as_of

),

{{ segment_kpi_ctes('segments', 'membership', 'kpi_inputs') }},

final as (

    select
        as_of_date,
        segment_name,
        segment_kind,
        segment_priority,
        count_customers,
        share_of_customers,
        revenue_in_window,
        share_of_revenue,
        conversion_rate,
        avg_order_value,
        repeat_purchase_rate,
        avg_engagement_score

    from segment_kpis_computed

)

select * from final
