{#- A/B read-out of the offers' real holdout arms, for a person at a prompt: the
    cohorts of segment_experiment_results (optionally one offer, var ab_offer, or one
    segment, var ab_segment), most recent first, with the decision columns.

    The arms are the ones assigned when the offer was sent (segment_offers.is_holdout,
    kept per as_of in segment_offer_history): this analysis used to invent a holdout by
    hashing customer_id after the fact, which compared customers who all got the
    offer (an A/A test). The statistics (two-proportion z-test, Welch's t, intervals,
    minimum detectable effect) are computed once, in the mart (docs/campaigns.md):

        dbt compile --select segment_ab_test_readout --vars '{ab_offer: cart_reminder}'
-#}
{#- analyses are compiled without the on-run-start hooks: check the vars here -#}
{%- if execute %}{% do segmentation.validate_vars() %}{% endif -%}
{%- set offer_id = var('ab_offer', none) -%}
{%- set segment_name = var('ab_segment', none) -%}
{%- set offer_filter = 'true' if offer_id is none else 'offer_id = ' ~ segmentation.sql_string(offer_id) -%}
{%- set segment_filter = 'true' if segment_name is none
    else 'segment_name = ' ~ segmentation.sql_string(segment_name) -%}

with

results as (

    select * from {{ ref('segment_experiment_results') }}

),

selected as (

    select
        offer_id,
        segment_name,
        assigned_date,
        readout_end_date,
        count_treatment_customers,
        count_holdout_customers,
        treatment_conversion_rate,
        holdout_conversion_rate,
        conversion_uplift,
        conversion_uplift_ci_lower,
        conversion_uplift_ci_upper,
        conversion_p_value,
        conversion_mde,
        revenue_uplift,
        revenue_uplift_ci_lower,
        revenue_uplift_ci_upper,
        revenue_p_value,
        is_conversion_significant,
        is_revenue_significant,
        is_underpowered
    from results
    where {{ offer_filter }} and {{ segment_filter }}

)

select * from selected
order by assigned_date desc, offer_id asc, segment_name asc
