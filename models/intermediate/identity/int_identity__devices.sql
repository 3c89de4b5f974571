{#- Every device (anonymous_id) seen logged in, with the person it belongs to:
    the canonical customer of the CRM id(s) it logged in as. A device logged in as
    more than var identity_max_customers_per_device CRM ids is shared and belongs
    to nobody (its anonymous events stay unattributed); so is a device logged in
    only as CRM ids unknown to the CRM. int_events__resolved attributes events
    through it, and int_identity__customer_versions counts it as one of the
    person's identifiers.

    With the default var (1) a device is a leaf of the identity graph, so it is
    attached here, after the graph is solved, with the same result as solving it
    inside the graph, and nothing upstream of orders waits for the web events. With
    a larger var, its edges are in the graph (int_identity__edges) and its CRM ids
    share one component, which is the person read here. -#}
with

device_logins as (

    {{ identity_device_logins(ref('stg_web__events')) }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

customer_nodes as (

    {{ identity_nodes('components', 'customer', 'crm_customer_id') }}

),

final as (

    select
        device_logins.anonymous_id,
        cast(max(device_logins.count_customers) as {{ dbt.type_int() }}) as count_crm_customers,
        {{ identity_device_is_shared('max(device_logins.count_customers)') }} as is_shared,
        case
            when not {{ identity_device_is_shared('max(device_logins.count_customers)') }}
                then max(customer_nodes.customer_id)
        end as customer_id
    from device_logins
    left join customer_nodes
        on device_logins.crm_customer_id = customer_nodes.crm_customer_id
    group by device_logins.anonymous_id

)

select * from final
