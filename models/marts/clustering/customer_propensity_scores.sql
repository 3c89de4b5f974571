{#- One row per customer: the probability, from propensity_fit's classifier, of being
    among the top var('propensity_top_share') of customers by revenue over the next
    var('propensity_horizon_days') days, scored on features as of as_of_date by the
    model version in model_version (propensity_models). -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('propensity_fit') }}

),

scores as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(snapshot_date as date) as as_of_date,
        cast(value as double) as propensity_score,
        cast(classifier as {{ dbt.type_string() }}) as classifier,
        cast(model_version as {{ dbt.type_int() }}) as model_version

    from fit
    where record_type = 'score'

),

final as (

    select
        customer_id,
        as_of_date,
        propensity_score,
        -- 1 = the tenth of customers with the highest scores; ties share a decile.
        cast(ceil(10 * cume_dist() over (order by propensity_score desc)) as {{ dbt.type_int() }})
            as propensity_decile,
        classifier,
        model_version

    from scores

)

select * from final
