{#- Public: one row per fitted cluster model version (the model life cycle, var
    cluster_refit): the as_of it was fitted on, algorithm, k, criterion and scores,
    and why it was fitted. Builds between fits assign with the current version. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

models as (

    select * from fit
    where record_type = 'model'

),

final as (

    select
        -- grain
        cast(model_version as {{ dbt.type_int() }}) as model_version,

        -- fit
        cast(as_of_date as date) as fitted_as_of_date,
        cast(fit_reason as {{ dbt.type_string() }}) as fit_reason,
        cast(feature_drift as double) as feature_drift_at_fit,
        cast(algorithm as {{ dbt.type_string() }}) as algorithm,
        cast(k as {{ dbt.type_int() }}) as cluster_count,
        cast(n_fitted as {{ dbt.type_int() }}) as count_customers_fitted,
        cast(selection_criterion as {{ dbt.type_string() }}) as selection_criterion,
        cast(criterion_value as double) as criterion_value,
        cast(silhouette as double) as silhouette,
        cast(highest_cluster_id_used as {{ dbt.type_int() }}) as highest_cluster_id_used,
        model_version = max(model_version) over () as is_current

    from models

)

select * from final
