{#- Post-hook of the tables that keep rows across builds by as_of_date (segment
    history): delete every row of a person with a deletion request, under any CRM id
    the person ever had as canonical id (a merge after an as_of can have changed
    it), whatever the as_of_date. Incremental tables that re-process by customer
    purge through purge_stale_customer_rows() instead.

    The identity models are looked up in the graph rather than with ref(), so they
    do not become inputs of the models' unit tests; before they exist there is
    nobody to purge. -#}
{% macro purge_deleted_persons(
    deleted_model='int_identity__deleted_customers', components_model='int_identity__components'
) -%}
    {%- set relations = {} -%}
    {%- if execute and is_incremental() -%}
        {%- for key, model_name in [('deleted', deleted_model), ('components', components_model)] -%}
            {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
            {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if relation is not none -%}
                {%- do relations.update({key: relation}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if relations | length == 2 -%}
        delete from {{ this }}
        where customer_id in (
            select components.node_key
            from {{ relations.components }} as components
            inner join {{ relations.deleted }} as deleted
                on components.customer_id = deleted.customer_id
            where components.node_type = 'customer'
        )
    {%- else -%}
        select 1 as nothing_to_purge
    {%- endif -%}
{%- endmacro %}
