{#- Email engagement events attributed to the canonical customer of their CRM id.
    Events of persons with a deletion request are dropped; events of unknown CRM
    ids keep a null customer_id. -#}
with

email_events as (

    select * from {{ ref('stg_email__events') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

deleted_customers as (

    select * from {{ ref('int_identity__deleted_customers') }}

),

attributed as (

    select
        email_events.email_event_id,
        components.customer_id,
        email_events.campaign_id,
        email_events.email_event_type,
        email_events.occurred_at,
        email_events.occurred_date
    from email_events
    left join components
        on 'customer:' || email_events.customer_id = components.node_id

),

final as (

    select
        attributed.email_event_id,
        attributed.customer_id,
        attributed.campaign_id,
        attributed.email_event_type,
        attributed.occurred_at,
        attributed.occurred_date
    from attributed
    left join deleted_customers
        on attributed.customer_id = deleted_customers.customer_id
    where deleted_customers.customer_id is null

)

select * from final
