{#- Public: one row per customer: a flag per configured segment, the primary
    segment by priority, RFM scores and named segment, and the cluster. -#}
{%- set definitions = segment_definitions() -%}
{{ pii_gate() }}
with

features as (

    select * from {{ ref('customer_features') }}

),

membership as (

    select * from {{ ref('segment_membership') }}

),

rfm_scores as (

    select * from {{ ref('customer_rfm_scores') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

flags as (

    select
        customer_id,
        {%- for definition in definitions %}
            max(case when segment_name = {{ segment_literal(definition.name) }} then 1 else 0 end) = 1
                as is_{{ segment_slug(definition.name) }},
        {%- endfor %}
        max(case when is_primary_segment then segment_name end) as primary_segment,
        count(*) as count_segments

    from membership
    group by customer_id

),

final as (

    select
        features.customer_id,
        features.as_of_date,
        rfm_scores.recency_score,
        rfm_scores.frequency_score,
        rfm_scores.monetary_score,
        rfm_scores.rfm_code,
        rfm_scores.rfm_segment_name,
        {%- for definition in definitions %}
            coalesce(flags.is_{{ segment_slug(definition.name) }}, false) as is_{{ segment_slug(definition.name) }},
        {%- endfor %}
        cast(coalesce(flags.count_segments, 0) as {{ dbt.type_int() }}) as count_segments,
        coalesce(flags.primary_segment, 'Other') as primary_segment,
        cast(clusters.cluster_id as {{ dbt.type_int() }}) as cluster_id

    from features
    left join flags
        on features.customer_id = flags.customer_id
    left join rfm_scores
        on features.customer_id = rfm_scores.customer_id
    left join clusters
        on features.customer_id = clusters.customer_id

)

select * from final
