{#- Every identifier of the identity graph with the canonical customer_id of its
    connected component: the smallest CRM customer id in it. Identifiers whose
    component holds no CRM customer (a guest email, a device never logged in) get
    a null customer_id. -#}
with

edges as (

    select * from {{ ref('int_identity__edges') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

directed_edges as (

    select
        node_a as node_from,
        node_b as node_to
    from edges
    union
    select
        node_b as node_from,
        node_a as node_to
    from edges

),

seeds as (

    select
        customer_id as component_label,
        'customer:' || customer_id as node_id
    from customers

),

all_nodes as (

    select node_from as node_id from directed_edges
    union
    select node_id from seeds

),

labelled as (

    {{ component_labels('directed_edges', 'seeds') }}

),

final as (

    select
        all_nodes.node_id,
        {{ dbt.split_part('all_nodes.node_id', "':'", 1) }} as node_type,
        -- the id without its type prefix, so large tables join on their own column
        {{ dbt.right(
            'all_nodes.node_id',
            dbt.length('all_nodes.node_id') ~ ' - ' ~ dbt.position("':'", 'all_nodes.node_id')
        ) }} as node_key,
        labelled.component_label as customer_id
    from all_nodes
    left join labelled
        on all_nodes.node_id = labelled.node_id

)

select * from final
