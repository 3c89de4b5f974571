{#- One row per canonical customer (person) with a fingerprint of the identifiers
    identity resolution stitched to them. When a late CRM record, a new device
    login, a guest order's email, a merge or a split changes who a person is, the
    fingerprint changes, and the incremental feature tables re-process exactly
    those persons' whole history (see customers_to_reprocess()). Deleted persons
    are absent, like in int_customers__resolved. -#}
with

components as (

    select * from {{ ref('int_identity__components') }}

),

customers as (

    select customer_id from {{ ref('int_customers__resolved') }}

),

customer_nodes as (

    select
        components.customer_id,
        components.node_id
    from components
    inner join customers
        on components.customer_id = customers.customer_id

),

final as (

    select
        customer_id,
        {{ dbt.hash(dbt.listagg('node_id', "'|'", 'order by node_id')) }} as identity_version,
        cast(count(*) as {{ dbt.type_int() }}) as count_identifiers
    from customer_nodes
    group by customer_id

)

select * from final
