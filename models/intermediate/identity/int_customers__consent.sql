{#- Consent per canonical customer and purpose (var consent_purposes): the latest
    event of the person's consent timeline (int_consent_events__merged: CRM consent
    events of any of the person's records, and email unsubscribes as revocations of
    marketing_email) wins, and at equal instants a revocation beats a grant (when in
    doubt, do not contact); no event means not granted (consent is opt-in). A
    revocation dated at its load (stg_crm__consent_events.is_dated_at_load)
    competes at that time. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

consent_events as (

    select * from {{ ref('int_consent_events__merged') }}

),

purposes as (

    {% for purpose in var('consent_purposes') %}
        select '{{ purpose }}' as consent_purpose
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

person_events as (

    select
        customer_id,
        consent_purpose,
        consent_source,
        is_granted,
        occurred_at,
        row_number() over (
            partition by customer_id, consent_purpose
            order by
                occurred_at desc,
                is_granted asc,
                _loaded_at desc,
                consent_source asc,
                crm_customer_id desc,
                source_event_id desc
        ) as recency_rank
    from consent_events
    where customer_id is not null

),

latest_events as (

    select * from person_events
    where recency_rank = 1

),

final as (

    select
        customers.customer_id,
        purposes.consent_purpose as purpose,
        latest_events.occurred_at as consent_updated_at,
        latest_events.consent_source as consent_updated_by,
        coalesce(latest_events.is_granted, false) as is_granted,
        coalesce(not latest_events.is_granted, false) as is_revoked
    from customers
    cross join purposes
    left join latest_events
        on
            customers.customer_id = latest_events.customer_id
            and purposes.consent_purpose = latest_events.consent_purpose

)

select * from final
