{#- KPI history: the sales-channel columns (web, app, store, other) add up to
    revenue_in_window and count_orders_in_window, so no channel value is dropped.
    Returns the rows where they do not. -#}
{%- set channels = kpi_channel_buckets() -%}
with

kpis_history as (

    select * from {{ ref('segment_kpis_history') }}

),

summed as (

    select
        as_of_date,
        segment_name,
        revenue_in_window,
        count_orders_in_window,
        {% for channel in channels -%}
            revenue_in_window_{{ channel }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as revenue_in_window_channels,
        {% for channel in channels -%}
            count_orders_in_window_{{ channel }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as count_orders_in_window_channels

    from kpis_history

),

validation_errors as (

    select * from summed
    where
        revenue_in_window != revenue_in_window_channels
        or count_orders_in_window != count_orders_in_window_channels

)

select * from validation_errors
