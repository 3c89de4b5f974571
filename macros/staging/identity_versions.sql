{#- The body of a versions model: one row per canonical customer of `customers`
    (a relation or CTE with customer_id: deleted persons are absent) with
    identity_version, a fingerprint of the set of node ids of `nodes` (customer_id,
    node_id) that belong to them, and count_identifiers. A changed version (a late
    CRM record, a guest order's email, a merge or split, a device login where
    devices count) makes the incremental feature tables recompute that person's
    whole history (customers_to_reprocess()).

    The fingerprint is md5 of the exact sum of the node ids' 64-bit hash(): the
    same set gives the same version whatever the row order, and a set that gains,
    loses or swaps an id changes it unless the hashes happen to cancel (about 1 in
    2^64). DuckDB and Snowflake both have hash() and an exact sum (HUGEINT,
    NUMBER(38,0)). It replaced md5 of the ids sorted and joined by '|': the sort
    inside each group was most of the model's time (at 1M customers 3.5-5.2 s ->
    0.8-1.5 s). A new engine version with another hash() changes every version
    once: every person is re-processed one night, as after a --full-refresh. -#}
{% macro identity_versions(nodes, customers) -%}
    select
        nodes.customer_id,
        {{ dbt.hash('sum(hash(nodes.node_id))') }} as identity_version,
        cast(count(*) as {{ dbt.type_int() }}) as count_identifiers
    from {{ nodes }} as nodes
    inner join {{ customers }} as customers
        on nodes.customer_id = customers.customer_id
    group by nodes.customer_id
{%- endmacro %}
