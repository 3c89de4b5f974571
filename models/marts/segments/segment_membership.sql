{#- Public: one row per customer and segment they belong to (long), from var
    segment_definitions rendered by macros/segments. -#}
{%- set definitions = segment_definitions() -%}
{{ pii_gate() }}
with

features as (

    select * from {{ ref('customer_features') }}

),

rfm_scores as (

    select * from {{ ref('customer_rfm_scores') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

customers as (

    select
        features.*,
        rfm_scores.rfm_segment_name,
        cast(clusters.cluster_id as {{ dbt.type_int() }}) as segment_cluster_id

    from features
    left join rfm_scores
        on features.customer_id = rfm_scores.customer_id
    left join clusters
        on features.customer_id = clusters.customer_id

),

evaluated as (

    {% for definition in definitions %}
        {{ segment_member_select(definition) }}
        {% if not loop.last %}union all{% endif %}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as date) as as_of_date,
            cast(null as {{ dbt.type_string() }}) as segment_name,
            cast(null as {{ dbt.type_string() }}) as segment_kind,
            cast(null as {{ dbt.type_int() }}) as segment_priority,
            cast(null as double) as segment_score
        from customers
        where false
    {% endfor %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id order by segment_priority, segment_name
        ) = 1 as is_primary_segment

    from evaluated

),

final as (

    select
        customer_id,
        as_of_date,
        segment_name,
        segment_kind,
        segment_priority,
        segment_score,
        is_primary_segment

    from ranked

)

select * from final
