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
