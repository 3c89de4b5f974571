{#- unique_key is a single column on purpose: delete+insert then deletes with
    'where as_of_date in (...)'; a list key becomes a join on as_of_date alone,
    quadratic in the rows per date. -#}
{{ pii_gate() }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ record_history_change(ref('customer_features')) }}",
        post_hook="{{ purge_deleted_persons() }}",
    )
}}
{#- Public: the var segment_drift_features of every customer, long, per as_of_date
    (the inputs of segment_drift). Rebuilding an as_of_date replaces its rows. -#}
with

features as (

    select * from {{ ref('customer_features') }}

),

unpivoted as (

    {% for feature in var('segment_drift_features') %}
        select
            as_of_date,
            customer_id,
            '{{ feature }}' as feature_name,
            cast({{ feature }} as double) as feature_value
        from features
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select * from unpivoted

)

select * from final
