{#- Public: one row per configured segment with size and KPIs over the var
    segment_kpi_window_days window. -#}
{%- set window = var('segment_kpi_window_days') -%}
{%- set definitions = segment_definitions() -%}
{{ pii_gate() }}
with

features as (

    select * from {{ ref('customer_features') }}

),

membership as (

    select * from {{ ref('segment_membership') }}

),

segments as (

    {% for definition in definitions %}
        select
            {{ segment_literal(definition.name) }} as segment_name,
            {{ segment_literal(definition.kind) }} as segment_kind,
            {{ definition.priority }} as segment_priority
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

population as (

    select
        max(as_of_date) as as_of_date,
        count(*) as count_customers_total,
        sum(revenue_{{ window }}d) as revenue_total

    from features

),

member_features as (

    select
        membership.segment_name,
        features.customer_id,
        features.revenue_{{ window }}d as revenue_in_window,
        features.count_orders_{{ window }}d as count_orders_in_window,
        features.count_orders,
        features.engagement_score

    from membership
    inner join features
        on membership.customer_id = features.customer_id

),

aggregated as (

    select
        segment_name,
        count(*) as count_customers,
        sum(revenue_in_window) as revenue_in_window,
        sum(count_orders_in_window) as count_orders_in_window,
        sum(case when count_orders_in_window > 0 then 1 else 0 end) as count_converted_customers,
        sum(case when count_orders > 0 then 1 else 0 end) as count_buyers,
        sum(case when count_orders > 1 then 1 else 0 end) as count_repeat_buyers,
        {{ segmentation.exact_avg('engagement_score') }} as avg_engagement_score

    from member_features
    group by segment_name

),

final as (

    select
        population.as_of_date,
        segments.segment_name,
        segments.segment_kind,
        cast(segments.segment_priority as {{ dbt.type_int() }}) as segment_priority,
        cast(coalesce(aggregated.count_customers, 0) as {{ dbt.type_int() }}) as count_customers,
        cast(coalesce(aggregated.count_customers, 0) as double)
        / nullif(population.count_customers_total, 0) as share_of_customers,
        cast(coalesce(aggregated.revenue_in_window, 0) as {{ dbt.type_numeric() }}) as revenue_in_window,
        cast(coalesce(aggregated.revenue_in_window, 0) as double)
        / nullif(cast(population.revenue_total as double), 0) as share_of_revenue,
        cast(aggregated.count_converted_customers as double)
        / nullif(aggregated.count_customers, 0) as conversion_rate,
        cast(
            cast(aggregated.revenue_in_window as double)
            / nullif(aggregated.count_orders_in_window, 0) as {{ dbt.type_numeric() }}
        ) as avg_order_value,
        cast(aggregated.count_repeat_buyers as double)
        / nullif(aggregated.count_buyers, 0) as repeat_purchase_rate,
        cast(aggregated.avg_engagement_score as double) as avg_engagement_score

    from segments
    cross join population
    left join aggregated
        on segments.segment_name = aggregated.segment_name

)

select * from final
