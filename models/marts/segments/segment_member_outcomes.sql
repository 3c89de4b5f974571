{#- Semantic layer input (docs/semantic_layer.md): one row per customer and segment
    they belong to, with the customer's KPI inputs over var segment_kpi_window_days
    (int_customers__kpi_inputs, as segment_kpis aggregates them), so MetricFlow can
    count distinct customers and build per-segment rates as ratios. -#}
{{ pii_gate() }}
with

kpi_inputs as (

    select * from {{ ref('int_customers__kpi_inputs') }}

),

membership as (

    select * from {{ ref('segment_membership') }}

),

population as (

    select count(*) as count_customers_total

    from kpi_inputs

),

final as (

    select
        membership.customer_id,
        membership.segment_name,
        membership.as_of_date,
        membership.segment_kind,
        membership.segment_priority,
        membership.is_primary_segment,
        kpi_inputs.revenue_in_window,
        kpi_inputs.count_orders_in_window,
        kpi_inputs.engagement_score,
        population.count_customers_total,
        kpi_inputs.count_orders_in_window > 0 as is_converted_in_window,
        kpi_inputs.count_orders > 0 as is_buyer,
        kpi_inputs.count_orders > 1 as is_repeat_buyer

    from membership
    inner join kpi_inputs
        on
            membership.as_of_date = kpi_inputs.as_of_date
            and membership.customer_id = kpi_inputs.customer_id
    cross join population

)

select * from final
