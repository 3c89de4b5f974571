{#- Post-hook for incremental per-customer tables: delete the rows of customer ids
    that are no longer canonical customers (a deletion request, or an identity merge
    that folded the id into another person). Incremental runs only re-process the
    look-back window, so without this a deleted person's history would outlive the
    request in the intermediate layer. Activity of a merged id is re-attributed by
    the next `--full-refresh` (see DECISIONLOG, Features).

    The customer spine is looked up in the graph rather than with ref(): a ref in a
    hook would make it an input of every unit test of these models. When the spine
    has not been built (a selection without it) there is nothing to purge against. -#}
{% macro purge_departed_customers(spine_model='int_customers__resolved') -%}
    {%- set spine = none -%}
    {%- if execute and is_incremental() -%}
        {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ spine_model] -%}
        {%- set spine = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- endif -%}
    {%- if spine is not none -%}
        delete from {{ this }}
        where customer_id not in (
            select spine.customer_id
            from {{ spine }} as spine
        )
    {%- else -%}
        select 1 as nothing_to_purge
    {%- endif -%}
{%- endmacro %}
