{#- Web/app events attributed to a canonical customer (the select of
    int_events__resolved): through the CRM id when the visitor was logged in,
    otherwise through the device (anonymous_id) once that device has logged in as
    one person (int_identity__devices), so events before the first login are
    attributed too. Events of never-identified or shared devices keep a null
    customer_id; events of persons with a deletion request are dropped.

    events: a relation or CTE with the columns of stg_web__events. The view applies
    it to every staged event; int_events__sessions applies it to the events of the
    sessions a nightly run rebuilds, so the identity joins run on those rows only
    (the engine does not push a semi-join on session_id below them). -#}
{% macro attributed_web_events(events) -%}
    select
        events.event_id,
        coalesce(by_customer_id.customer_id, by_device.customer_id) as customer_id,
        events.anonymous_id,
        events.session_id,
        events.event_type,
        events.page_path,
        events.device,
        events.channel,
        events.campaign,
        events.occurred_at,
        events.occurred_date,
        events._loaded_at
    from {{ events }} as events
    -- the two kinds of identifier events carry, each joined on its own id: no
    -- 'customer:' || id text is built per event, and each hash table holds one kind
    left join (
        {{ segmentation.identity_nodes(ref('int_identity__components'), 'customer', 'crm_customer_id') }}
    ) as by_customer_id
        on events.customer_id = by_customer_id.crm_customer_id
    left join {{ ref('int_identity__devices') }} as by_device
        on events.anonymous_id = by_device.anonymous_id
    left join {{ ref('int_identity__deleted_customers') }} as deleted_customers
        on coalesce(by_customer_id.customer_id, by_device.customer_id) = deleted_customers.customer_id
    where deleted_customers.customer_id is null
{%- endmacro %}

{#- The staged web events (stg_web__events) carrying an id of the given customers:
    a CRM id whose component is theirs, or a device that logged in as one of them.
    Found before any join, by two semi-joins on the raw ids: a superset of the
    events attributed_web_events() gives them (an event whose CRM id belongs to
    someone else but whose device is theirs is picked, and attributed elsewhere),
    so a reader picks with it and then attributes and filters, or only needs the
    sessions. At 1M customers this is a narrow scan of the staged events where the
    attributed events view joins every event first.

    customers: a relation or CTE with customer_id (canonical ids). -#}
{% macro staged_web_events_of_customers(customers) -%}
    select staged.*
    from {{ ref('stg_web__events') }} as staged
    where
        staged.customer_id in (
            select components.node_key
            from {{ ref('int_identity__components') }} as components
            where
                components.node_type = 'customer'
                and components.customer_id in (select customer_id from {{ customers }})
        )
        or staged.anonymous_id in (
            select devices.anonymous_id
            from {{ ref('int_identity__devices') }} as devices
            where devices.customer_id in (select customer_id from {{ customers }})
        )
{%- endmacro %}
