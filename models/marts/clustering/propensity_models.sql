{#- One row per propensity model version fitted in this database (var
    propensity_refit): the as_of it was fitted on, why, and with what settings;
    is_current marks the version that scored customer_propensity_scores. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('propensity_fit') }}

),

versions as (

    select
        cast(model_version as {{ dbt.type_int() }}) as model_version,
        cast(snapshot_date as date) as fitted_as_of_date,
        cast(classifier as {{ dbt.type_string() }}) as classifier,
        cast(fit_reason as {{ dbt.type_string() }}) as fit_reason,
        cast(settings as {{ dbt.type_string() }}) as model_settings

    from fit
    where record_type = 'model'

),

final as (

    select
        model_version,
        fitted_as_of_date,
        classifier,
        fit_reason,
        model_settings,
        model_version = max(model_version) over () as is_current

    from versions

)

select * from final
