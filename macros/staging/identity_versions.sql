{#- The body of a versions model: one row per canonical customer of `customers`
    (a relation or CTE with customer_id: deleted persons are absent) with
    identity_version, md5 of the node ids of `nodes` (customer_id, node_id) that
    belong to them, in text order joined by '|', and count_identifiers. A changed
    version (a late CRM record, a guest order's email, a merge or split, a device
    login where devices count) makes the incremental feature tables recompute that
    person's whole history (customers_to_reprocess()). -#}
{% macro identity_versions(nodes, customers) -%}
    select
        nodes.customer_id,
        {{ dbt.hash(dbt.listagg('nodes.node_id', "'|'", 'order by nodes.node_id')) }} as identity_version,
        cast(count(*) as {{ dbt.type_int() }}) as count_identifiers
    from {{ nodes }} as nodes
    inner join {{ customers }} as customers
        on nodes.customer_id = customers.customer_id
    group by nodes.customer_id
{%- endmacro %}
