{#- Every row of the windowed feature tables kept per customer holds for the
    as_of date the run computed (macros/features/window_validity.sql):
    features_valid_from <= as_of_date < features_recompute_on, a null bound being
    open. An incremental run that kept a row whose window content changed since it
    was computed (a session that entered or left a window) fails here. -#}
{%- set windowed_models = ['int_customers__web_behaviour'] %}

with

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

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
