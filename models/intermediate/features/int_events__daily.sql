{#- One row per customer and UTC event date with the day's event counts by type.
    No as_of filter: the feature models apply it.

    Incremental by customer (see customers_to_reprocess()): a run recomputes every
    row of the customers whose identity changed or who have an event loaded since
    the last run, from all of their events, and replaces those customers' rows
    (delete+insert keyed by customer_id). Pre-login events of a device that logs in
    today are therefore attributed however old they are. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ forget_stale_rows(loaded_at='source_loaded_at') }}",
        post_hook="{{ purge_stale_customer_rows() }}",
    )
}}

with

-- read twice on an incremental run (the delivered rows, then every row of the
-- customers to re-process), each time by a scan that filters it: never kept whole
events as {{ segmentation.inline_cte() }} (

    select * from {{ ref('int_events__resolved') }}
    where customer_id is not null

),

versions as (

    select * from {{ ref('int_identity__customer_versions') }}

),

-- all rows of the customers to re-process (everyone on a full build)
events_to_process as (

    {{ inputs_to_reprocess('events', 'versions') }}

),

daily as (

    select
        customer_id,
        occurred_date,
        cast(count(*) as {{ dbt.type_int() }}) as count_events,
        cast(sum(case when event_type = 'page_view' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_page_views,
        cast(sum(case when event_type = 'product_view' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_product_views,
        cast(sum(case when event_type = 'add_to_cart' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_cart_adds,
        cast(sum(case when event_type = 'checkout' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_checkouts,
        cast(sum(case when event_type = 'purchase' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_purchase_events

    from events_to_process
    group by customer_id, occurred_date

),

-- the watermark of the customer's rows: the latest load of any of their events
customer_loads as (

    select
        customer_id,
        max(_loaded_at) as source_loaded_at
    from events_to_process
    group by customer_id

),

final as (

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

select * from final
