{#- Public: RFM scores (1-5 by quintile), code and named RFM segment per buyer. -#}
{{ pii_gate() }}
with

features as (

    select * from {{ ref('customer_features') }}

),

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

buyers as (

    select * from features
    where count_orders > 0

),

scores as (

    -- score = ceil(5 * cume_dist): quintiles in which tied customers share a score,
    -- so the result does not depend on row order. Recency: fewer days is better.
    select
        customer_id,
        as_of_date,
        cast(ceil(5 * cume_dist() over (order by days_since_last_order desc)) as {{ dbt.type_int() }}) as recency_score,
        cast(ceil(5 * cume_dist() over (order by count_orders)) as {{ dbt.type_int() }}) as frequency_score,
        cast(ceil(5 * cume_dist() over (order by total_revenue)) as {{ dbt.type_int() }}) as monetary_score

    from buyers

),

codes as (

    select
        *,
        -- round half up of the mean, in integers on every engine
        cast(floor((frequency_score + monetary_score + 1) / 2.0) as {{ dbt.type_int() }}) as frequency_monetary_score,
        cast(recency_score as {{ dbt.type_string() }})
        || cast(frequency_score as {{ dbt.type_string() }})
        || cast(monetary_score as {{ dbt.type_string() }}) as rfm_code

    from scores

),

final as (

    select
        codes.customer_id,
        codes.as_of_date,
        codes.recency_score,
        codes.frequency_score,
        codes.monetary_score,
        codes.frequency_monetary_score,
        codes.rfm_code,
        rfm_segment_map.rfm_segment_name

    from codes
    left join rfm_segment_map
        on
            codes.recency_score between rfm_segment_map.recency_score_min and rfm_segment_map.recency_score_max
            and codes.frequency_monetary_score between rfm_segment_map.frequency_monetary_score_min
            and rfm_segment_map.frequency_monetary_score_max

)

select * from final
