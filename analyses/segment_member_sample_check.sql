{#- Spot check: a deterministic random sample of a segment's members, with their
    mart figures next to the same figures recomputed straight from the raw orders
    (latest version per order, completed, on or before as_of). Rows where they
    differ deserve a look. Legitimate differences: persons merged from several CRM
    records (count_crm_records > 1) or with guest checkouts (the raw rows carry the
    original ids), and raw orders staging quarantined (non-positive amount, unknown
    currency or status, future timestamp: see stg_audit__quarantined_rows), which
    this naive recomputation still counts.

        dbt compile --select segment_member_sample_check --vars '{check_segment: "High Value"}' -#}
{#- analyses are compiled without the on-run-start hooks: check the vars here -#}
{%- if execute %}{% do segmentation.validate_vars() %}{% endif -%}
{%- set segment_name = var('check_segment', 'High Value') -%}
{%- set sample_size = var('check_sample_size', 20) -%}

with

members as (

    select * from {{ ref('segment_membership') }}
    where segment_name = {{ segmentation.sql_string(segment_name) }}

),

features as (

    select * from {{ ref('customer_features') }}

),

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

raw_orders as (

    select * from {{ source('shop', 'orders') }}

),

sampled as (

    select
        customer_id,
        as_of_date
    from members
    order by {{ hash_bucket("customer_id || " ~ segmentation.sql_string(segment_name)) }}, customer_id
    limit {{ sample_size }}

),

latest_raw_orders as (

    select
        raw_orders.*,
        row_number() over (
            partition by raw_orders.order_id order by raw_orders.updated_at desc
        ) as version_rank
    from raw_orders
    inner join sampled
        on cast(raw_orders.customer_id as {{ dbt.type_string() }}) = sampled.customer_id

),

recomputed as (

    select
        sampled.customer_id,
        count(latest_raw_orders.order_id) as raw_count_orders,
        sum(latest_raw_orders.amount * case upper(trim(latest_raw_orders.currency))
            {%- for code, rate in var('fx_rates_to_reporting').items() %}
                when '{{ code | upper }}' then {{ rate }}
            {%- endfor %}
        end) as raw_total_revenue
    from sampled
    left join latest_raw_orders
        on
            sampled.customer_id = cast(latest_raw_orders.customer_id as {{ dbt.type_string() }})
            and latest_raw_orders.version_rank = 1
            and lower(trim(latest_raw_orders.status)) = 'completed'
            and cast({{ to_utc_timestamp('latest_raw_orders.ordered_at') }} as date) <= sampled.as_of_date
    group by sampled.customer_id

)

select
    features.customer_id,
    customers.count_crm_records,
    features.count_orders,
    recomputed.raw_count_orders,
    features.total_revenue,
    recomputed.raw_total_revenue,
    features.count_orders = recomputed.raw_count_orders
    and abs(features.total_revenue - coalesce(recomputed.raw_total_revenue, 0)) < 0.01 as matches_raw
from recomputed
inner join features
    on recomputed.customer_id = features.customer_id
inner join customers
    on recomputed.customer_id = customers.customer_id
order by matches_raw, features.customer_id
