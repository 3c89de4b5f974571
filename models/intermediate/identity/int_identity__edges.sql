{#- The identity graph's edges: two identifiers seen on the same record belong to
    the same person. Nodes are typed text ids ('customer:<crm id>', 'email:<hash>',
    'phone:<hash>', 'device:<anonymous id>', 'order:<order id>'). A device seen
    logged in as more than var identity_max_customers_per_device CRM customers is
    shared and contributes no edge, so it cannot merge two people; so is an email
    or phone carried by more CRM records than var identity_max_customers_per_email /
    identity_max_customers_per_phone (a placeholder: int_identity__shared_identifiers). -#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

events as (

    select * from {{ ref('stg_web__events') }}

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

device_logins as (

    select distinct
        anonymous_id,
        customer_id
    from events
    where customer_id is not null

),

device_customer_counts as (

    select
        anonymous_id,
        count(*) as count_customers
    from device_logins
    group by anonymous_id

),

device_customers as (

    select
        'device:' || device_logins.anonymous_id as node_a,
        'customer:' || device_logins.customer_id as node_b,
        'device_login' as edge_type
    from device_logins
    inner join device_customer_counts
        on device_logins.anonymous_id = device_customer_counts.anonymous_id
    where device_customer_counts.count_customers <= {{ var('identity_max_customers_per_device') }}

),

unioned as (

    select * from customer_emails
    union all
    select * from customer_phones
    union all
    select * from order_emails
    union all
    select * from device_customers

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
