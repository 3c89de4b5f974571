{#- Incremental per-customer tables hold only current canonical customers: a
    deletion request (or an identity merge) purges the id on the next build, even
    though incremental runs only re-process the look-back window. -#}
{%- set incremental_models = [
    'int_orders__daily', 'int_events__daily', 'int_events__sessions', 'int_customers__web_behaviour',
] %}

with

customers as (

    select customer_id from {{ ref('int_customers__resolved') }}

),

{% for model_name in incremental_models %}
    {{ model_name }}_departed as (

        select
            '{{ model_name }}' as model_name,
            stored_rows.customer_id
        from {{ ref(model_name) }} as stored_rows
        left join customers
            on stored_rows.customer_id = customers.customer_id
        where
            stored_rows.customer_id is not null
            and customers.customer_id is null

    ),

{% endfor %}
validation_errors as (

    {% for model_name in incremental_models %}
        select * from {{ model_name }}_departed
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from validation_errors
