{#- Public: every algorithm and k considered by cluster_fit, with its diagnostics or
    the reason it was skipped, and the one chosen for production with the reason. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

final as (

    select
        -- grain
        cast(algorithm as {{ dbt.type_string() }}) as algorithm,
        cast(k as {{ dbt.type_int() }}) as cluster_count,

        -- fit
        cast(n_fitted as {{ dbt.type_int() }}) as count_customers_fitted,
        cast(inertia as double) as inertia,
        cast(silhouette as double) as silhouette,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(dunn_index as double) as dunn_index,
        cast(bic as double) as bic,
        cast(aic as double) as aic,
        cast(gap as double) as gap_statistic,
        cast(gap_sd as double) as gap_standard_error,
        cast(eps as double) as dbscan_eps,
        cast(noise_share as double) as noise_share,
        cast(min_cluster_share as double) as min_cluster_share,
        cast(stability_ari as double) as stability_ari,

        -- choice
        cast(skip_reason as {{ dbt.type_string() }}) as skip_reason,
        coalesce(is_chosen = 1, false) as is_chosen,
        cast(selection_criterion as {{ dbt.type_string() }}) as selection_criterion,
        cast(selection_reason as {{ dbt.type_string() }}) as selection_reason

    from fit
    where record_type = 'selection'

)

select * from final
