{#- Public: one cluster per customer, assigned in SQL by nearest centroid of the
    persisted fit (cluster_centroids), with the cluster's plain-language description. -#}
{{ pii_gate() }}
with

assigned as (

    select * from {{ ref('int_customers__cluster_assigned') }}

),

profiles as (

    select * from {{ ref('cluster_profiles') }}

),

descriptions as (

    select distinct
        cluster_id,
        cluster_description

    from profiles

),

final as (

    select
        assigned.customer_id,
        assigned.as_of_date,
        cast(assigned.cluster_id as {{ dbt.type_int() }}) as cluster_id,
        descriptions.cluster_description,
        cast(assigned.cluster_count as {{ dbt.type_int() }}) as cluster_count,
        cast(round(assigned.distance_to_centroid, {{ var('cluster_output_decimals') }}) as double)
            as distance_to_centroid

    from assigned
    left join descriptions
        on assigned.cluster_id = descriptions.cluster_id

)

select * from final
