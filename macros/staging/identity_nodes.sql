{#- The nodes of one type from int_identity__components, keyed by their own id
    (node_key renamed to key_column) with their canonical customer_id: what a large
    table joins on to be attributed, one hash table per identifier type. -#}
{% macro identity_nodes(components, node_type, key_column) -%}
    select
        node_key as {{ key_column }},
        customer_id
    from {{ components }}
    where node_type = '{{ node_type }}'
{%- endmacro %}

{#- Devices seen logged in: one row per device (anonymous_id) and CRM id it was
    seen logged in as (crm_customer_id), with count_customers, the number of CRM
    ids that device was seen logged in as. A device with more than var
    identity_max_customers_per_device is shared (identity_device_is_shared()). Read
    by int_identity__edges (when devices link persons) and int_identity__devices. -#}
{% macro identity_device_logins(events) -%}
    select
        logins.anonymous_id,
        logins.customer_id as crm_customer_id,
        count(*) over (partition by logins.anonymous_id) as count_customers
    from (
        select distinct
            anonymous_id,
            customer_id
        from {{ events }}
        where customer_id is not null
    ) as logins
{%- endmacro %}

{#- Boolean: a device seen logged in as count_customers CRM ids is shared (more
    than var identity_max_customers_per_device): it links nobody and attributes no
    event. -#}
{% macro identity_device_is_shared(count_customers) -%}
    ({{ count_customers }} > {{ var('identity_max_customers_per_device') }})
{%- endmacro %}

{#- Do devices take part in the identity graph? Only when a device may be logged in
    as more than one CRM customer (var identity_max_customers_per_device > 1), so
    that it can merge them. With the default 1, a device can only ever join the one
    person it logged in as: it is attached after the graph is solved
    (int_identity__devices), and orders, CRM records and RFM do not wait for the
    web events. Decided when the project is parsed, so it shapes the DAG. -#}
{% macro identity_devices_link_persons() -%}
    {{- return(var('identity_max_customers_per_device') | int > 1) -}}
{%- endmacro %}
