{#- Persons who asked to be deleted: the canonical customer of every identifier a
    deletion request names (CRM id or email hash). The whole person goes, with
    every CRM record, email and device stitched to them. -#}
with

requests as (

    select * from {{ ref('stg_crm__deletion_requests') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

requested_nodes as (

    select
        request_id,
        requested_at,
        'customer:' || customer_id as node_id
    from requests
    where customer_id is not null
    union all
    select
        request_id,
        requested_at,
        'email:' || email_hash as node_id
    from requests
    where email_hash is not null

),

matched as (

    select
        components.customer_id,
        requested_nodes.request_id,
        requested_nodes.requested_at
    from requested_nodes
    inner join components
        on requested_nodes.node_id = components.node_id
    where components.customer_id is not null

),

final as (

    select
        customer_id,
        count(distinct request_id) as count_requests,
        min(requested_at) as first_requested_at
    from matched
    group by customer_id

)

select * from final
