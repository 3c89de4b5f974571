{#- Consent per canonical customer and purpose (var consent_purposes): the latest
    consent event of any of the person's CRM records wins, and at equal instants a
    revocation beats a grant (when in doubt, do not contact); no event means not
    granted (consent is opt-in). A revocation dated at its load
    (stg_crm__consent_events.is_dated_at_load) competes at that time. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

consent_events as (

    select * from {{ ref('stg_crm__consent_events') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

purposes as (

    {% for purpose in var('consent_purposes') %}
        select '{{ purpose }}' as consent_purpose
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

person_events as (

    select
        components.customer_id,
        consent_events.consent_purpose,
        consent_events.is_granted,
        consent_events.occurred_at,
        row_number() over (
            partition by components.customer_id, consent_events.consent_purpose
            order by
                consent_events.occurred_at desc,
                consent_events.is_granted asc,
                consent_events._loaded_at desc,
                consent_events.customer_id desc,
                consent_events.consent_event_id desc
        ) as recency_rank
    from consent_events
    inner join components
        on 'customer:' || consent_events.customer_id = components.node_id
    where components.customer_id is not null

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
        coalesce(latest_events.is_granted, false) as is_granted
    from customers
    cross join purposes
    left join latest_events
        on
            customers.customer_id = latest_events.customer_id
            and purposes.consent_purpose = latest_events.consent_purpose

)

select * from final
