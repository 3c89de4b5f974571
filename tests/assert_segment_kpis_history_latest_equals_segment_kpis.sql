{#- KPI history: its rows for the current as_of_date hold the values of
    segment_kpis, segment by segment (one computation, macro segment_kpi_ctes).
    Returns the segments missing on either side or differing in any column of
    segment_kpis: exactly, except ratios (doubles), which may differ in the last
    bits with the order of a sum on some engines (relative 1e-9, as the soak). -#}
{%- set exact_columns = [
    'segment_kind', 'segment_priority', 'count_customers', 'revenue_in_window', 'avg_order_value',
] -%}
{%- set double_columns = [
    'share_of_customers', 'share_of_revenue', 'conversion_rate', 'repeat_purchase_rate', 'avg_engagement_score',
] -%}
with

kpis as (

    select * from {{ ref('segment_kpis') }}

),

kpis_history as (

    select * from {{ ref('segment_kpis_history') }}

),

latest_history as (

    select kpis_history.*
    from kpis_history
    where kpis_history.as_of_date in (select kpis.as_of_date from kpis)

),

validation_errors as (

    select
        coalesce(kpis.segment_name, latest_history.segment_name) as segment_name,
        kpis.segment_name is null as is_missing_in_segment_kpis,
        latest_history.segment_name is null as is_missing_in_history

    from kpis
    full outer join latest_history
        on kpis.segment_name = latest_history.segment_name
    where
        kpis.segment_name is null
        or latest_history.segment_name is null
        {%- for column in exact_columns %}
            or kpis.{{ column }} is distinct from latest_history.{{ column }}
        {%- endfor %}
        {%- for column in double_columns %}
            or (kpis.{{ column }} is null) != (latest_history.{{ column }} is null)
            or abs(kpis.{{ column }} - latest_history.{{ column }})
            > 1e-9 * greatest(abs(kpis.{{ column }}), abs(latest_history.{{ column }}))
        {%- endfor %}

)

select * from validation_errors
