{#- The identity graph's edges: two identifiers seen on the same record belong to
    the same person. Nodes are typed text ids ('customer:<crm id>', 'email:<hash>',
    'phone:<hash>', 'order:<order id>', and 'device:<anonymous id>' when devices
    link persons). An email or phone carried by more CRM records than var
    identity_max_customers_per_email / identity_max_customers_per_phone (a
    placeholder: int_identity__shared_identifiers) contributes no edge.

    Devices: with var identity_max_customers_per_device = 1 (the default) a device
    can only join the one person it logged in as, never merge two, so it is no part
    of the graph: int_identity__devices attaches it to its person afterwards, and
    this model (hence orders, CRM records and RFM) does not wait for the web events.
    With a larger value, a device logged in as 2..N CRM customers merges them: its
    edges are here (identity_devices_link_persons()). A device logged in as more is
    shared and contributes no edge. -#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

shared_identifiers as (

    select * from {{ ref('int_identity__shared_identifiers') }}

),

excluded_nodes as (

    select identifier_type || ':' || identifier_hash as node_id
    from shared_identifiers
    where is_excluded_from_linking

),

customer_emails as (

    select
        'customer:' || customer_id as node_a,
        'email:' || email_hash as node_b,
        'customer_email' as edge_type
    from customers
    where email_hash is not null

),

customer_phones as (

    select
        'customer:' || customer_id as node_a,
        'phone:' || phone_hash as node_b,
        'customer_phone' as edge_type
    from customers
    where phone_hash is not null

),

order_emails as (

    select
        coalesce('customer:' || customer_id, 'order:' || order_id) as node_a,
        'email:' || customer_email_hash as node_b,
        case when customer_id is null then 'guest_order_email' else 'order_email' end as edge_type
    from orders
    where customer_email_hash is not null

),

{%- if identity_devices_link_persons() %}

device_logins as (

    {{ identity_device_logins(ref('stg_web__events')) }}

),

device_customers as (

    select
        'device:' || anonymous_id as node_a,
        'customer:' || crm_customer_id as node_b,
        'device_login' as edge_type
    from device_logins
    where not {{ identity_device_is_shared('count_customers') }}

),
{%- endif %}

unioned as (

    select * from customer_emails
    union all
    select * from customer_phones
    union all
    select * from order_emails
    {%- if identity_devices_link_persons() %}
    union all
    select * from device_customers
    {%- endif %}

),

linking as (

    select unioned.*
    from unioned
    left join excluded_nodes
        on unioned.node_b = excluded_nodes.node_id
    where excluded_nodes.node_id is null

),

final as (

    select distinct
        node_a,
        node_b,
        edge_type
    from linking

)

select * from final
