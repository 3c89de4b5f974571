{#- One row per customer and UTC event date with the day's event counts by type.
    No as_of filter: the feature models apply it.

    Incremental by customer (see customers_to_reprocess()): a run recomputes every
    row of the customers whose identity changed, who have an event loaded since
    the last run, or who own an older version of such an event (a new version may
    move it to another CRM id or device), from all of their events, and replaces
    those customers' rows (delete+insert keyed by customer_id; a customer left
    without events gets an empty row, with_emptied_keys(), which the post-hook
    deletes). Pre-login events of a device that logs in
    today are therefore attributed however old they are. The customers' events are
    picked from the staged events by the ids they carry and attributed there
    (macros staged_web_events_of_customers, attributed_web_events), not read
    through the attributed events view, which joins every event first. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ forget_stale_rows(loaded_at='source_loaded_at') }}",
        post_hook="{{ purge_stale_customer_rows(forget_emptied=true) }}",
    )
}}

{#- read only on an incremental run (the branch below): declared for the DAG -#}
-- depends_on: {{ ref('base_web__events') }}
-- depends_on: {{ ref('stg_web__events') }}
-- depends_on: {{ ref('int_identity__components') }}
-- depends_on: {{ ref('int_identity__devices') }}
-- depends_on: {{ ref('int_identity__deleted_customers') }}

with

-- a full build's input; an incremental run reads only its delivered rows here (a
-- scan that filters it), never the whole view
events as {{ segmentation.inline_cte() }} (

    select * from {{ ref('int_events__resolved') }}
    where customer_id is not null

),

versions as (

    select * from {{ ref('int_identity__customer_versions') }}

),

{% if is_incremental() %}
    -- read by several CTEs below: kept once (it scans the base table for older
    -- versions of the delivered keys)
    customers_to_process as {{ segmentation.materialized_cte() }} (

        {{ customers_to_reprocess('events', 'versions', previous_owners={
            'base_model': 'base_web__events', 'key': 'event_id', 'crm_id': 'customer_id',
            'device_id': 'anonymous_id',
        }) }}

    ),

    -- every event of theirs: picked by the ids the events carry (a superset),
    -- then attributed, and kept when attributed to one of them
    staged_customer_events as (

        {{ staged_web_events_of_customers('customers_to_process') }}

    ),

    attributed_customer_events as (

        {{ attributed_web_events('staged_customer_events') }}

    ),

    events_to_process as (

        select attributed_customer_events.*
        from attributed_customer_events
        where attributed_customer_events.customer_id in (select customer_id from customers_to_process)

    ),
{% else %}
    -- a full build processes every customer
    events_to_process as (

        select * from events

    ),
{% endif %}

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
