{#- One row per canonical customer (person) with a fingerprint of every identifier
    identity resolution stitched to them, devices included: CRM records, emails,
    phones, guest orders (int_identity__components) and the devices logged in as
    them (int_identity__devices). When a late CRM record, a new device login, a
    guest order's email, a merge or a split changes who a person is, the
    fingerprint changes, and the event feature tables re-process exactly those
    persons' whole history (see customers_to_reprocess()). The order feature
    tables, which no device changes, read int_identity__person_versions. Deleted
    persons are absent, like in int_customers__resolved. -#}
with

components as (

    select * from {{ ref('int_identity__components') }}

),

devices as (

    select * from {{ ref('int_identity__devices') }}

),

customers as (

    select customer_id from {{ ref('int_customers__resolved') }}

),

-- devices come from int_identity__devices only, also when the graph holds them
nodes as (

    select
        customer_id,
        node_id
    from components
    where node_type <> 'device'
    union all
    select
        customer_id,
        'device:' || anonymous_id as node_id
    from devices
    where customer_id is not null

),

final as (

    {{ identity_versions('nodes', 'customers') }}

)

select * from final
