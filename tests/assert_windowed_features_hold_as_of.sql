{#- Every row of the windowed feature tables kept per customer holds for the
    as_of date the run computed (macros/features/window_validity.sql):
    features_valid_from <= as_of_date < features_recompute_on, a null bound being
    open. An incremental run that kept a row whose window content changed since it
    was computed (a session that entered or left a window) fails here.

    int_as_of_date is looked up, not ref'd: with a ref, dbt's eager test selection
    would run this test in `dbt build --select int_as_of_date`, before any windowed
    table exists. It is built before every windowed model (their parent); a
    database without it fails the test's query, naming the table. -#}
{%- set windowed_models = ['int_customers__web_behaviour'] %}
{#- the model's relation from the graph, found by its unique id as built_relations()
    finds it, without that macro's existence check (at parse time the graph is
    empty) -#}
{%- set as_of_relation = 'int_as_of_date' -%}
{%- if execute -%}
    {%- set as_of_node = graph.nodes['model.' ~ project_name ~ '.int_as_of_date'] -%}
    {%- set as_of_relation = api.Relation.create(
        database=as_of_node.database, schema=as_of_node.schema, identifier=as_of_node.alias
    ) -%}
{%- endif %}

with

as_of as (

    select as_of_date from {{ as_of_relation }}

),

{% for model_name in windowed_models %}
    {{ model_name }}_stale as (

        select
            '{{ model_name }}' as model_name,
            stored_rows.customer_id,
            stored_rows.features_valid_from,
            stored_rows.features_recompute_on,
            as_of.as_of_date
        from {{ ref(model_name) }} as stored_rows
        cross join as_of
        where
            stored_rows.features_valid_from > as_of.as_of_date
            or stored_rows.features_recompute_on <= as_of.as_of_date

    ),

{% endfor %}
validation_errors as (

    {% for model_name in windowed_models %}
        select * from {{ model_name }}_stale
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from validation_errors
