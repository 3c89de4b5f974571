{#- Orders attributed to a canonical customer: by CRM id, or for guest checkouts by
    the (hashed) email of a CRM customer. Orders that match no customer stay here
    with a null customer_id, so they are counted, not lost. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

email_owners as (

    select
        email_hash,
        min(customer_id) as customer_id

    from customers
    where email_hash is not null
    group by 1

),

final as (

    select
        orders.order_id,
        orders.order_status,
        orders.is_refunded,
        orders.is_cancelled,
        orders.sales_channel,
        orders.amount,
        orders.ordered_at,
        orders.ordered_date,
        coalesce(known_customers.customer_id, email_owners.customer_id) as customer_id

    from orders
    left join customers as known_customers
        on orders.customer_id = known_customers.customer_id
    left join email_owners
        on
            orders.customer_id is null
            and orders.customer_email_hash = email_owners.email_hash

)

select * from final
