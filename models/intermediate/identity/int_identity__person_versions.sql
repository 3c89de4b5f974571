{#- One row per canonical customer (person) with a fingerprint of the identifiers
    of their identity graph component other than devices: CRM records, emails,
    phones and guest orders. What the order feature tables re-process a person on
    (int_orders__daily): a merge, a split, a late CRM record or a guest order's
    email changes it; a device login does not, since no device changes which
    orders are whose. Built without the web events, so orders and RFM do not wait
    for them. int_identity__customer_versions adds the devices. Deleted persons
    are absent, like in int_customers__resolved. -#}
with

components as (

    select * from {{ ref('int_identity__components') }}

),

customers as (

    select customer_id from {{ ref('int_customers__resolved') }}

),

nodes as (

    select
        customer_id,
        node_id
    from components
    where node_type <> 'device'

),

final as (

    {{ identity_versions('nodes', 'customers') }}

)

select * from final
