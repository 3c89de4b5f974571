{#- Identity resolution converged: both ends of every edge carry the same canonical
    customer_id (or both none), and every CRM customer has one. Fails if component
    labelling stopped early (e.g. var identity_propagation_rounds too small for the
    graph on engines without set-semantics recursion).

    A deleted person's CRM records stay in staging with their PII erased, while the
    erasure hook (erase_deleted_persons_pii) removes the person's component rows after
    the build: those records are not unlabelled, so `dbt test` after `dbt build`
    passes too. During a build every record is read again unerased and checked. -#}
with

edges as (

    select * from {{ ref('int_identity__edges') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

erased_customers as (

    select distinct customer_id
    from {{ ref('base_crm__customers') }}
    where is_pii_erased and customer_id is not null

),

edge_mismatches as (

    select
        edges.node_a,
        edges.node_b,
        'edge_ends_differ' as violation
    from edges
    left join components as end_a
        on edges.node_a = end_a.node_id
    left join components as end_b
        on edges.node_b = end_b.node_id
    where
        end_a.node_id is null
        or end_b.node_id is null
        or coalesce(end_a.customer_id, '') != coalesce(end_b.customer_id, '')

),

unlabelled_customers as (

    select
        'customer:' || customers.customer_id as node_a,
        cast(null as {{ dbt.type_string() }}) as node_b,
        'crm_customer_without_canonical_id' as violation
    from customers
    left join components
        on 'customer:' || customers.customer_id = components.node_id
    where
        components.customer_id is null
        and customers.customer_id not in (select erased_customers.customer_id from erased_customers)

),

validation_errors as (

    select * from edge_mismatches
    union all
    select * from unlabelled_customers

)

select * from validation_errors
