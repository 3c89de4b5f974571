{#- One row per customer and UTC event date with the day's event counts by type.
    No as_of filter: the feature models apply it.

    Incremental: each run re-processes the dates from (latest stored date -
    var feature_lookback_days) on, deleting and re-inserting those whole days
    (delete+insert keyed by occurred_date), so late-arriving events are picked up. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='occurred_date',
        on_schema_change='fail',
        post_hook="{{ purge_departed_customers() }}",
    )
}}

with

events as (

    select * from {{ ref('int_events__resolved') }}
    where customer_id is not null

),

reprocess_from as (

    {{ incremental_reprocess_from('occurred_date') }}

),

events_to_process as (

    select events.*
    from events
    cross join reprocess_from
    where
        reprocess_from.reprocess_from_date is null
        or events.occurred_date >= reprocess_from.reprocess_from_date

),

final as (

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

)

select * from final
