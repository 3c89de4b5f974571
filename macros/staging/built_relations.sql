{#- The relations of models of this project that exist in the warehouse now, as a
    dict {key: relation}, for hooks that must read a model without ref() (a ref in a
    hook would make the model an input of every unit test). `models` maps a key to a
    model name; a model missing from the graph or not built (a partial selection)
    is left out, so callers compare the dict's length with what they asked for.
    Empty at parse time. -#}
{% macro built_relations(models) -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {%- for key, model_name in models.items() -%}
            {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ model_name) -%}
            {%- if node is not none -%}
                {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
                {%- if relation is not none -%}
                    {%- do found.update({key: relation}) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- The CRM ids of every person with a deletion request: each CRM record (node of
    type customer) in a deleted person's component. A select of one column,
    customer_id. -#}
{% macro deleted_person_crm_ids(components, deleted) -%}
    select components.node_key as customer_id
    from {{ components }} as components
    inner join {{ deleted }} as deleted
        on components.customer_id = deleted.customer_id
    where components.node_type = 'customer'
{%- endmacro %}
