{#- Post-hook of the tables that keep rows across builds by as_of_date (segment
    history): delete every row of a person with a deletion request, under any CRM id
    the person ever had as canonical id (a merge after an as_of can have changed
    it), whatever the as_of_date. Incremental tables that re-process by customer
    purge through purge_stale_customer_rows() instead.

    The identity models are looked up with built_relations(), not ref(), so they do
    not become inputs of the models' unit tests; before they exist there is nobody
    to purge. -#}
{% macro purge_deleted_persons(
    deleted_model='int_identity__deleted_customers', components_model='int_identity__components'
) -%}
    {%- set relations = segmentation.built_relations(
        {'deleted': deleted_model, 'components': components_model}
    ) if is_incremental() else {} -%}
    {%- if relations | length == 2 -%}
        delete from {{ this }}
        where customer_id in (
            {{ segmentation.deleted_person_crm_ids(relations.components, relations.deleted) }}
        )
    {%- else -%}
        select 1 as nothing_to_purge
    {%- endif -%}
{%- endmacro %}
