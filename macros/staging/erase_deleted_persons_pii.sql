{#- on-run-end: erase the raw PII of persons with a deletion request from the base
    staging tables, the only tables that hold raw emails, phones and names (the
    quarantine and staging models are views over them, so they follow).

    Base rows are (re)read from the raw files before identity resolution can say
    who a person is; so after the build, every base row of a deleted person gets its
    PII columns set to null and is_pii_erased set, which makes the next run read it
    from the raw files again (macros/staging/delivered_rows.sql), as a full rebuild
    would: CRM records stitched to the
    person (int_identity__components of int_identity__deleted_customers), CRM
    records a request matched (int_identity__deletion_matches: by id in any case or
    spacing, or by a current, former or quarantined email), records and orders
    carrying an email a request names or an erased record carried, and orders
    placed under an erased CRM id. An email shared by more CRM records than var
    identity_max_customers_per_email (excluded in int_identity__shared_identifiers,
    a placeholder) is never erased by value: that would erase unrelated people.
    Rows stay (ids, amounts, outcomes), so the staging conservation counts still
    hold. base_crm__deletion_requests keeps the request's email: the request is
    what erases the person again on every rebuild.

    The identity tables then lose the person: the shared-identifier rows of their
    own emails and phones, their edges (email, phone and device hashes, ids), their
    component rows, their devices (int_identity__devices: when it is built; a
    selection such as +int_customers__rfm does not build it), the list of deleted
    persons and the request matches (CRM ids), all recomputed from the requests by
    every build. What stays is the request
    (base_crm__deletion_requests), the outcome per request
    (int_identity__deletion_request_outcomes) and the counts of
    int_identity__deletion_audit.

    Renders one statement per call (Snowflake runs one per hook); `table` is, in this
    order, 'shared_identifiers', 'orders', 'customers' (the emails come from the CRM
    records), 'edges', 'components' (the nodes come from the components), 'devices',
    'deleted' or 'matches'. Nothing happens when a relation is missing (a partial
    selection; for 'devices', when it or one of the others is), nor when the last
    erasure ran in full and nothing it reads or changes was written since
    (erasure_needed(), macros/staging/erasure_pending.sql): a run that builds none
    of those tables skips it. -#}
{% macro erase_deleted_persons_pii(table) -%}
    {%- set relations = segmentation.erasure_relations() -%}
    {%- set devices = segmentation.built_relations({'devices': 'int_identity__devices'}) -%}
    {%- if relations and (table != 'devices' or devices) and segmentation.erasure_needed() -%}
        {%- set erased_ids -%}
            -- the request's own id, even when this run built no identity models (a
            -- partial selection after the previous run's hook emptied the matches)
            select requests.customer_id
            from {{ relations.requests }} as requests
            where requests.customer_id is not null
            union
            select matches.crm_customer_id
            from {{ relations.matches }} as matches
            where matches.crm_customer_id is not null
            union
            {{ segmentation.deleted_person_crm_ids(relations.components, relations.deleted) }}
        {%- endset -%}
        {%- set shared_email_hashes -%}
            select shared.identifier_hash
            from {{ relations.shared }} as shared
            where shared.identifier_type = 'email' and shared.is_excluded_from_linking
        {%- endset -%}
        {%- set erased_emails -%}
            select candidates.email_normalized
            from (
                select requests.email_normalized
                from {{ relations.requests }} as requests
                where requests.email_normalized is not null
                union
                select customers.email_normalized
                from {{ relations.customers }} as customers
                where
                    customers.email_normalized is not null
                    and customers.customer_id in ({{ erased_ids }})
            ) as candidates
            where {{ hash_pii('candidates.email_normalized') }} not in ({{ shared_email_hashes }})
        {%- endset -%}
        {%- set erased_nodes -%}
            select components.node_id
            from {{ relations.components }} as components
            inner join {{ relations.deleted }} as deleted
                on components.customer_id = deleted.customer_id
        {%- endset -%}
        {%- if table == 'shared_identifiers' -%}
            delete from {{ relations.shared }}
            where
                not is_excluded_from_linking
                and (
                    (identifier_type || ':' || identifier_hash) in ({{ erased_nodes }})
                    or identifier_hash in (
                        select {{ hash_pii('customers.email_normalized') }}
                        from {{ relations.customers }} as customers
                        where customers.customer_id in ({{ erased_ids }})
                        union
                        select {{ hash_pii('customers.phone_normalized') }}
                        from {{ relations.customers }} as customers
                        where customers.customer_id in ({{ erased_ids }})
                    )
                )
        {%- elif table == 'orders' -%}
            update {{ relations.orders }}
            set
                customer_email_normalized = null,
                is_pii_erased = true
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
                last_name = null,
                is_pii_erased = true
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
        {%- elif table == 'devices' -%}
            delete from {{ devices.devices }}
            where customer_id in (select deleted.customer_id from {{ relations.deleted }} as deleted)
        {%- elif table == 'deleted' -%}
            delete from {{ relations.deleted }}
        {%- elif table == 'matches' -%}
            delete from {{ relations.matches }}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "erase_deleted_persons_pii: table must be 'shared_identifiers', 'orders', 'customers', 'edges',"
                ~ " 'components', 'devices', 'deleted' or 'matches', got " ~ table
            ) }}
        {%- endif -%}
    {%- else -%}
        select 1 as nothing_to_erase
    {%- endif -%}
{%- endmacro %}

{#- The relations erase_deleted_persons_pii() reads and changes, as a dict {key:
    relation}, or an empty dict when one of them does not exist (devices apart,
    which a selection may not build). -#}
{% macro erasure_relations() -%}
    {%- set names = segmentation.erasure_relation_names() -%}
    {%- set relations = segmentation.built_relations(names) -%}
    {{ return(relations if relations | length == names | length else {}) }}
{%- endmacro %}

{#- Key -> model name of the relations erasure_relations() looks up. -#}
{% macro erasure_relation_names() -%}
    {{ return({
        'customers': 'base_crm__customers', 'orders': 'base_shop__orders',
        'requests': 'base_crm__deletion_requests', 'components': 'int_identity__components',
        'deleted': 'int_identity__deleted_customers', 'edges': 'int_identity__edges',
        'matches': 'int_identity__deletion_matches', 'shared': 'int_identity__shared_identifiers',
    }) }}
{%- endmacro %}
