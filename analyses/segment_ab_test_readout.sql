{#- A/B read-out for one segment: conversion of treated members against a
    hold-out, with a two-proportion z-test.

    Design assumed: when the campaign was sent at as_of, a fixed share of the
    segment (var ab_holdout_percent) was held out by a hash of customer_id, which
    is deterministic and independent of behaviour. Replace the `assignment` CTE
    with your campaign tool's assignment table when you have one. Conversion = at
    least one purchase in the ab_window_days after as_of, so run this with an as_of
    at least that far in the past:

        dbt compile --select segment_ab_test_readout \
            --vars '{as_of: "2026-09-30", ab_segment: "Cart Abandoners"}'

    |z| > 1.96 is significant at the 5% level (two-sided). -#}
{#- analyses are compiled without the on-run-start hooks: check the vars here -#}
{%- if execute %}{% do segmentation.validate_vars() %}{% endif -%}
{%- set segment_name = var('ab_segment', 'Cart Abandoners') -%}
{%- set holdout_percent = var('ab_holdout_percent', 20) -%}
{%- set window_days = var('ab_window_days', 30) -%}

with

members as (

    select * from {{ ref('segment_membership') }}
    where segment_name = {{ segmentation.sql_string(segment_name) }}

),

orders as (

    select * from {{ ref('int_orders__resolved') }}
    where order_status = 'completed'

),

assignment as (

    select
        customer_id,
        as_of_date,
        case
            when mod(abs({{ hash_bucket('customer_id') }}), 100) < {{ holdout_percent }} then 'holdout'
            else 'treatment'
        end as variant
    from members

),

outcomes as (

    select
        assignment.customer_id,
        assignment.variant,
        max(case when orders.order_id is not null then 1 else 0 end) as has_converted
    from assignment
    left join orders
        on
            assignment.customer_id = orders.customer_id
            and assignment.as_of_date < orders.ordered_date
            and orders.ordered_date <= {{ dbt.dateadd('day', window_days, 'assignment.as_of_date') }}
    group by assignment.customer_id, assignment.variant

),

per_variant as (

    select
        variant,
        count(*) as customers,
        sum(has_converted) as conversions,
        cast(sum(has_converted) as {{ dbt.type_numeric() }}) / count(*) as conversion_rate
    from outcomes
    group by variant

),

test as (

    select
        treatment.customers as treatment_customers,
        treatment.conversion_rate as treatment_conversion_rate,
        holdout.customers as holdout_customers,
        holdout.conversion_rate as holdout_conversion_rate,
        treatment.conversion_rate - holdout.conversion_rate as uplift,
        (treatment.conversions + holdout.conversions) * 1.0
        / (treatment.customers + holdout.customers) as pooled_rate
    from per_variant as treatment
    cross join per_variant as holdout
    where treatment.variant = 'treatment' and holdout.variant = 'holdout'

),

final as (

    select
        {{ segmentation.sql_string(segment_name) }} as segment_name,
        test.*,
        test.uplift / nullif(sqrt(
            test.pooled_rate * (1 - test.pooled_rate)
            * (1.0 / test.treatment_customers + 1.0 / test.holdout_customers)
        ), 0) as z_score
    from test

)

select
    *,
    abs(z_score) > 1.96 as is_significant_at_5_percent
from final
