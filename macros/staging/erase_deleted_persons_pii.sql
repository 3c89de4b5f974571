{#- on-run-end: erase the raw PII of persons with a deletion request from the base
    staging tables, the only tables that hold raw emails, phones and names (the
    quarantine and staging models are views over them, so they follow).

    Base tables are rebuilt from the raw files every build, before identity
    resolution can say who a person is; so after the build, every base row of a
    deleted person gets its PII columns set to null: CRM records stitched to the
    person (int_identity__components of int_identity__deleted_customers), records
    and orders carrying an id or email a request names (even when quarantined and
    never stitched), and orders carrying such a person's email. Rows stay (ids,
    amounts, outcomes), so the staging conservation counts still hold.
    base_crm__deletion_requests keeps the request's email: the request is what
    erases the person again on every rebuild.

    The identity tables then lose the person: their edges (email, phone and device
    hashes, ids), their component rows and, last, the list of deleted persons
    itself, which every build recomputes from the requests. What stays is the
    request (base_crm__deletion_requests) and the counts of
    int_identity__deletion_audit.

    Renders one statement per call (Snowflake runs one per hook); `table` is, in this
    order, 'orders', 'customers' (the emails come from the CRM records), 'edges',
    'components' (the nodes come from the components) or 'deleted'. Nothing happens
    when a relation is missing (a partial selection). -#}
{% macro erase_deleted_persons_pii(table) -%}
    {%- set names = {
        'customers': 'base_crm__customers', 'orders': 'base_shop__orders',
        'requests': 'base_crm__deletion_requests', 'components': 'int_identity__components',
        'deleted': 'int_identity__deleted_customers', 'edges': 'int_identity__edges',
    } -%}
    {%- set relations = segmentation.built_relations(names) -%}
    {%- if relations | length == names | length -%}
        {%- set erased_ids -%}
            select requests.customer_id
            from {{ relations.requests }} as requests
            where requests.customer_id is not null
            union
            {{ segmentation.deleted_person_crm_ids(relations.components, relations.deleted) }}
        {%- endset -%}
        {%- set erased_emails -%}
            select requests.email_normalized
            from {{ relations.requests }} as requests
            where requests.email_normalized is not null
            union
            select customers.email_normalized
            from {{ relations.customers }} as customers
            where
                customers.email_normalized is not null
                and customers.customer_id in ({{ erased_ids }})
        {%- endset -%}
        {%- set erased_nodes -%}
            select components.node_id
            from {{ relations.components }} as components
            inner join {{ relations.deleted }} as deleted
                on components.customer_id = deleted.customer_id
        {%- endset -%}
        {%- if table == 'orders' -%}
            update {{ relations.orders }}
            set customer_email_normalized = null
            where
                customer_email_normalized in ({{ erased_emails }})
                or customer_id in ({{ erased_ids }})
        {%- elif table == 'customers' -%}
            update {{ relations.customers }}
            set
                email_raw = null,
                email_normalized = null,
                phone_raw = null,
                phone_normalized = null,
                first_name = null,
                last_name = null
            where
                customer_id in ({{ erased_ids }})
                or email_normalized in ({{ erased_emails }})
        {%- elif table == 'edges' -%}
            delete from {{ relations.edges }}
            where
                node_a in ({{ erased_nodes }})
                or node_b in ({{ erased_nodes }})
        {%- elif table == 'components' -%}
            delete from {{ relations.components }}
            where customer_id in (select deleted.customer_id from {{ relations.deleted }} as deleted)
        {%- elif table == 'deleted' -%}
            delete from {{ relations.deleted }}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "erase_deleted_persons_pii: table must be 'orders', 'customers', 'edges', 'components' or 'deleted', got "
                ~ table
            ) }}
        {%- endif -%}
    {%- else -%}
        select 1 as nothing_to_erase
    {%- endif -%}
{%- endmacro %}
