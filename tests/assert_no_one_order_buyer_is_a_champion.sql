{#- RFM: a one-order buyer is never in the Champions (or Loyal) named segment,
    whatever the scores and the seed map say. Returns the buyers who are. -#}
with

rfm_scores as (

    select * from {{ ref('customer_rfm_scores') }}

),

features as (

    select * from {{ ref('customer_features') }}

),

validation_errors as (

    select
        rfm_scores.customer_id,
        rfm_scores.rfm_code,
        rfm_scores.rfm_segment_name,
        features.count_orders

    from rfm_scores
    inner join features
        on rfm_scores.customer_id = features.customer_id
    where
        features.count_orders = 1
        and rfm_scores.rfm_segment_name in ('Champions', 'Loyal')

)

select * from validation_errors
