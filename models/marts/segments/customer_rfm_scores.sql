{#- Public: RFM scores 1-5, code and named RFM segment per buyer. R and M by
    quintile (ties share the lower score), F by fixed order-count bins (var
    rfm_frequency_bins) unless var rfm_frequency_scoring is quintiles. -#}
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

    -- a tie block takes its lowest position (macro rfm_quintile_score), so the
    -- least frequent, oldest or smallest buyers score 1. Recency: fewer days is better.
    select
        customer_id,
        as_of_date,
        cast({{ rfm_quintile_score('days_since_last_order desc') }} as {{ dbt.type_int() }}) as recency_score,
        cast({{ rfm_frequency_score('count_orders') }} as {{ dbt.type_int() }}) as frequency_score,
        cast({{ rfm_quintile_score('total_revenue') }} as {{ dbt.type_int() }}) as monetary_score

    from buyers

),

codes as (

    select
        *,
        -- mean of F and M rounded down and capped at F: low spend lowers the score,
        -- but one large basket cannot lift a buyer above what their orders earn
        cast(
            least(frequency_score, floor((frequency_score + monetary_score) / 2.0)) as {{ dbt.type_int() }}
        ) as frequency_monetary_score,
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
