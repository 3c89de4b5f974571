{#- Public: one row per customer with a fixed shape whatever var
    segment_definitions holds: RFM scores and named segment, the customer's
    segments as slugs in priority order, their number, the primary segment by
    priority, and the cluster. One boolean column per segment lives in
    customer_segment_flags, whose columns follow the var. -#}
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

membership_slugs as (

    select
        customer_id,
        segment_name,
        segment_priority,
        is_primary_segment,
        {%- if definitions %}
            case segment_name
                {%- for definition in definitions %}
                    when {{ segment_literal(definition.name | string) }}
                        then {{ segment_literal(segment_slug(definition.name)) }}
                {%- endfor %}
            end
        {%- else %}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as segment_slug

    from membership

),

memberships as (

    select
        customer_id,
        {{ dbt.listagg('segment_slug', "','", 'order by segment_priority, segment_name') }} as segment_slugs,
        max(case when is_primary_segment then segment_name end) as primary_segment,
        count(*) as count_segments

    from membership_slugs
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
        cast(coalesce(memberships.segment_slugs, '') as {{ dbt.type_string() }}) as segment_slugs,
        cast(coalesce(memberships.count_segments, 0) as {{ dbt.type_int() }}) as count_segments,
        coalesce(memberships.primary_segment, 'Other') as primary_segment,
        cast(clusters.cluster_id as {{ dbt.type_int() }}) as cluster_id

    from features
    left join memberships
        on features.customer_id = memberships.customer_id
    left join rfm_scores
        on features.customer_id = rfm_scores.customer_id
    left join clusters
        on features.customer_id = clusters.customer_id

)

select * from final
