{#- Every (recency score, frequency-monetary score) cell of the 5 × 5 RFM grid lies
    in exactly one rectangle of seed rfm_segment_map; returns the cells that do not. -#}
with

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

scores as (

    {% for score in range(1, 6) %}
        select {{ score }} as score
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

cells as (

    select
        recency.score as recency_score,
        frequency_monetary.score as frequency_monetary_score

    from scores as recency
    cross join scores as frequency_monetary

),

validation_errors as (

    select
        cells.recency_score,
        cells.frequency_monetary_score,
        count(rfm_segment_map.rfm_segment_name) as count_matching_rows

    from cells
    left join rfm_segment_map
        on
            cells.recency_score between rfm_segment_map.recency_score_min and rfm_segment_map.recency_score_max
            and cells.frequency_monetary_score between rfm_segment_map.frequency_monetary_score_min
            and rfm_segment_map.frequency_monetary_score_max
    group by cells.recency_score, cells.frequency_monetary_score
    having count(rfm_segment_map.rfm_segment_name) != 1

)

select * from validation_errors
