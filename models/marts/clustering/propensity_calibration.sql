{#- Reliability table of the predictive segmentation model: per evaluation
    (cross_validated out-of-fold scores of the training snapshot, out_of_time scores
    of the model fitted one horizon earlier) and probability decile (bin b holds
    scores in [(b - 1) / 10, b / 10), bin 10 also 1.0), the customers, their mean
    score and the observed share in the target. Empty deciles have no row. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('propensity_fit') }}

),

calibration as (

    select
        evaluation,
        probability_bin,
        classifier,
        name,
        value

    from fit
    where record_type = 'calibration'

),

pivoted as (

    select
        evaluation,
        probability_bin,
        classifier,
        max(case when name = 'count_customers' then value end) as count_customers,
        max(case when name = 'mean_predicted_probability' then value end) as mean_predicted_probability,
        max(case when name = 'observed_positive_rate' then value end) as observed_positive_rate

    from calibration
    group by evaluation, probability_bin, classifier

),

final as (

    select
        cast(evaluation as {{ dbt.type_string() }}) as evaluation,
        cast(probability_bin as {{ dbt.type_int() }}) as probability_bin,
        cast(count_customers as {{ dbt.type_int() }}) as count_customers,
        cast(mean_predicted_probability as double) as mean_predicted_probability,
        cast(observed_positive_rate as double) as observed_positive_rate,
        cast(classifier as {{ dbt.type_string() }}) as classifier

    from pivoted

)

select * from final
