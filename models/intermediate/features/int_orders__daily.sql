{#- One row per customer and UTC order date: purchases, revenue, refunds and
    cancellations of that day. No as_of filter here: it is applied downstream, so this
    table is built once and read by any as_of.

    Incremental by customer, not by date: a run recomputes every row of the customers
    customers_to_reprocess() names (identity changed: int_identity__person_versions,
    which no device login changes; or an order row loaded since the last run: a
    late order of any age, a status change; or an older version of such an order,
    which a new version may have moved to another CRM id) from all of their orders,
    and replaces those customers' rows (delete+insert keyed by customer_id; a
    customer left without orders gets an empty row, with_emptied_keys(), so that
    its stored rows are replaced too). The post-hook drops rows of persons
    deleted or merged away, and the empty rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ forget_stale_rows(loaded_at='source_loaded_at') }}",
        post_hook="{{ purge_stale_customer_rows('int_identity__person_versions', forget_emptied=true) }}",
    )
}}

{#- read only on an incremental run (customers_to_reprocess' previous owners):
    declared for the DAG -#}
-- depends_on: {{ ref('base_shop__orders') }}
-- depends_on: {{ ref('int_identity__components') }}

with

-- read twice on an incremental run (the delivered rows, then every row of the
-- customers to re-process), each time by a scan that filters it: never kept whole
orders as {{ segmentation.inline_cte() }} (

    select * from {{ ref('int_orders__resolved') }}
    where customer_id is not null

),

versions as (

    select * from {{ ref('int_identity__person_versions') }}

),

{% if is_incremental() %}
    -- read by several CTEs below: kept once (it scans the base table for older
    -- versions of the delivered keys)
    customers_to_process as {{ segmentation.materialized_cte() }} (

        {{ customers_to_reprocess('orders', 'versions', previous_owners={
            'base_model': 'base_shop__orders', 'key': 'order_id', 'crm_id': 'customer_id',
        }) }}

    ),

    -- all rows (whatever their date) of the customers to re-process
    orders_to_process as (

        select orders.*
        from orders
        inner join customers_to_process
            on orders.customer_id = customers_to_process.customer_id

    ),
{% else %}
    -- a full build processes every customer
    orders_to_process as (

        select * from orders

    ),
{% endif %}

daily as (

    select
        customer_id,
        ordered_date,
        cast(sum(case when order_status = 'completed' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_orders,
        cast(sum(case when order_status = 'completed' then amount else 0 end) as {{ dbt.type_numeric() }})
            as revenue,
        cast(sum(case when is_refunded then 1 else 0 end) as {{ dbt.type_int() }}) as count_refunds,
        cast(sum(case when is_refunded then amount else 0 end) as {{ dbt.type_numeric() }})
            as refunded_amount,
        cast(sum(case when is_cancelled then 1 else 0 end) as {{ dbt.type_int() }}) as count_cancellations

    from orders_to_process
    group by customer_id, ordered_date

),

-- the watermark of the customer's rows: the latest load of any of their orders
customer_loads as (

    select
        customer_id,
        max(_loaded_at) as source_loaded_at
    from orders_to_process
    group by customer_id

),

-- read three times by with_emptied_keys() on an incremental run
final as {{ segmentation.materialized_cte() if is_incremental() }} (

    select
        daily.*,
        versions.identity_version,
        cast(customer_loads.source_loaded_at as {{ dbt.type_timestamp() }}) as source_loaded_at
    from daily
    inner join versions
        on daily.customer_id = versions.customer_id
    inner join customer_loads
        on daily.customer_id = customer_loads.customer_id

)

{% if is_incremental() -%}
    {{ with_emptied_keys('final', 'customers_to_process', 'customer_id') }}
{%- else -%}
    select * from final
{%- endif %}
