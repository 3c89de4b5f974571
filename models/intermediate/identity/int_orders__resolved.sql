{#- Orders attributed to a canonical customer: through the CRM id on the order, or
    for guest checkouts through the (hashed) email, both via identity resolution.
    Orders that match no customer stay with a null customer_id (counted, not lost);
    orders of persons with a deletion request are dropped (counted in
    int_identity__deletion_audit). -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

-- orders carry a CRM id or (guest checkouts) are their own node: each joined on
-- its own id, with no 'customer:' || id text built per order
customer_nodes as (

    {{ identity_nodes('components', 'customer', 'crm_customer_id') }}

),

order_nodes as (

    {{ identity_nodes('components', 'order', 'order_id') }}

),

deleted_customers as (

    select * from {{ ref('int_identity__deleted_customers') }}

),

attributed as (

    select
        orders.order_id,
        orders.order_status,
        orders.is_refunded,
        orders.is_cancelled,
        orders.sales_channel,
        orders.currency,
        orders.amount,
        orders.ordered_at,
        orders.ordered_date,
        orders._loaded_at,
        coalesce(by_customer_id.customer_id, by_order.customer_id) as customer_id
    from orders
    left join customer_nodes as by_customer_id
        on orders.customer_id = by_customer_id.crm_customer_id
    left join order_nodes as by_order
        on orders.order_id = by_order.order_id

),

final as (

    select
        attributed.order_id,
        attributed.customer_id,
        attributed.order_status,
        attributed.is_refunded,
        attributed.is_cancelled,
        attributed.sales_channel,
        attributed.currency,
        attributed.amount,
        attributed.ordered_at,
        attributed.ordered_date,
        attributed._loaded_at
    from attributed
    left join deleted_customers
        on attributed.customer_id = deleted_customers.customer_id
    where deleted_customers.customer_id is null

)

select * from final
