{#- The consent timeline: every consent event of the CRM (stg_crm__consent_events)
    and, as a revocation of marketing_email at its occurred_at, every email
    `unsubscribe` (stg_email__events), attributed to the canonical customer of its
    CRM id. An event whose CRM id is unknown to the identity graph keeps a null
    customer_id (warned by a test, never dropped); events of persons with a
    deletion request are dropped, as everywhere downstream of staging. -#}
with

consent_events as (

    select * from {{ ref('stg_crm__consent_events') }}

),

email_events as (

    select * from {{ ref('stg_email__events') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

deleted_customers as (

    select * from {{ ref('int_identity__deleted_customers') }}

),

crm_events as (

    select
        'crm' as consent_source,
        consent_event_id as source_event_id,
        customer_id as crm_customer_id,
        consent_purpose,
        is_granted,
        occurred_at,
        _loaded_at
    from consent_events

),

unsubscribes as (

    select
        'email_unsubscribe' as consent_source,
        email_event_id as source_event_id,
        customer_id as crm_customer_id,
        {{ sql_string(var('email_unsubscribe_revokes_purpose')) }} as consent_purpose,
        false as is_granted,
        occurred_at,
        _loaded_at
    from email_events
    where email_event_type = 'unsubscribe'

),

unioned as (

    select * from crm_events
    union all
    select * from unsubscribes

),

attributed as (

    select
        unioned.consent_source,
        unioned.source_event_id,
        unioned.crm_customer_id,
        components.customer_id,
        unioned.consent_purpose,
        unioned.is_granted,
        unioned.occurred_at,
        unioned._loaded_at
    from unioned
    left join components
        on 'customer:' || unioned.crm_customer_id = components.node_id

),

final as (

    select attributed.*
    from attributed
    left join deleted_customers
        on attributed.customer_id = deleted_customers.customer_id
    where deleted_customers.customer_id is null

)

select * from final
