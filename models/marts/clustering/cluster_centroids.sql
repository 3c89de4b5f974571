{#- Centroids of the production clustering in the clustering space, long format
    (one row per cluster and dimension) so SQL assignment works for any feature list.
    Cluster ids are matched to the previous model version's centroids at a refit. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

final as (

    select
        cast(cluster_id as {{ dbt.type_int() }}) as cluster_id,
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(centroid_value as double) as centroid_value,
        cast(algorithm as {{ dbt.type_string() }}) as algorithm,
        cast(k as {{ dbt.type_int() }}) as cluster_count

    from fit
    where record_type = 'centroid'

)

select * from final
