{#- The Python-side nearest-centroid assignment computed inside cluster_fit, kept
    only to prove that the SQL assignment (customer_clusters) agrees with it. -#}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(cluster_id as {{ dbt.type_int() }}) as predicted_cluster_id,
        cast(distance_to_centroid as double) as distance_to_centroid

    from fit
    where record_type = 'assignment'

)

select * from final
