{#- The sales channels with their own KPI columns: the raw contract's values of
    orders.sales_channel (docs/raw_contract.md). Every other value (staging's
    'unknown' for a missing channel, a channel added later) counts as 'other'. -#}
{% macro kpi_sales_channels() -%}
    {{ return(['web', 'app', 'store']) }}
{%- endmacro %}

{#- kpi_sales_channels() and the 'other' bucket: the suffixes of the channel columns. -#}
{% macro kpi_channel_buckets() -%}
    {{ return(segmentation.kpi_sales_channels() + ['other']) }}
{%- endmacro %}

{#- One row per segment of var segment_definitions (validated by
    segment_definitions()): segment_name, segment_kind, segment_priority. -#}
{% macro configured_segments_select() -%}
    {%- for definition in segmentation.segment_definitions() %}
    select
        {{ segmentation.segment_literal(definition.name) }} as segment_name,
        {{ segmentation.segment_literal(definition.kind) }} as segment_kind,
        {{ definition.priority }} as segment_priority
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The KPI computation of segment_kpis and segment_kpis_history, as CTEs to place
    in the model's with-list, the last one named segment_kpis_computed: one row per
    row of `segments` (as_of_date, segment_name, segment_kind, segment_priority).
    `members` has as_of_date, customer_id, segment_name; `inputs` one row per
    customer and as_of_date with the columns of int_customers__kpi_inputs. -#}
{% macro segment_kpi_ctes(segments, members, inputs) -%}
population as (

    select
        as_of_date,
        count(*) as count_customers_total,
        sum(revenue_in_window) as revenue_total

    from {{ inputs }}
    group by as_of_date

),

member_inputs as (

    select
        {{ members }}.segment_name,
        {{ inputs }}.*

    from {{ members }}
    inner join {{ inputs }}
        on
            {{ members }}.as_of_date = {{ inputs }}.as_of_date
            and {{ members }}.customer_id = {{ inputs }}.customer_id

),

aggregated as (

    select
        as_of_date,
        segment_name,
        count(*) as count_customers,
        sum(revenue_in_window) as revenue_in_window,
        sum(count_orders_in_window) as count_orders_in_window,
        {%- for channel in segmentation.kpi_channel_buckets() %}
            sum(revenue_in_window_{{ channel }}) as revenue_in_window_{{ channel }},
            sum(count_orders_in_window_{{ channel }}) as count_orders_in_window_{{ channel }},
        {%- endfor %}
        sum(case when count_orders_in_window > 0 then 1 else 0 end) as count_converted_customers,
        sum(case when count_orders > 0 then 1 else 0 end) as count_buyers,
        sum(case when count_orders > 1 then 1 else 0 end) as count_repeat_buyers,
        {{ segmentation.exact_avg('engagement_score') }} as avg_engagement_score

    from member_inputs
    group by as_of_date, segment_name

),

segment_kpis_computed as (

    select
        {{ segments }}.as_of_date,
        {{ segments }}.segment_name,
        {{ segments }}.segment_kind,
        cast({{ segments }}.segment_priority as {{ dbt.type_int() }}) as segment_priority,
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
        cast(aggregated.avg_engagement_score as double) as avg_engagement_score,
        cast(coalesce(aggregated.count_orders_in_window, 0) as {{ dbt.type_int() }}) as count_orders_in_window,
        {%- for channel in segmentation.kpi_channel_buckets() %}
            cast(coalesce(aggregated.revenue_in_window_{{ channel }}, 0) as {{ dbt.type_numeric() }})
                as revenue_in_window_{{ channel }},
        {%- endfor %}
        {%- for channel in segmentation.kpi_channel_buckets() %}
            cast(coalesce(aggregated.count_orders_in_window_{{ channel }}, 0) as {{ dbt.type_int() }})
                as count_orders_in_window_{{ channel }}{% if not loop.last %},{% endif %}
        {%- endfor %}

    from {{ segments }}
    left join population
        on {{ segments }}.as_of_date = population.as_of_date
    left join aggregated
        on
            {{ segments }}.as_of_date = aggregated.as_of_date
            and {{ segments }}.segment_name = aggregated.segment_name

)
{%- endmacro %}
