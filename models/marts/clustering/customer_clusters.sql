{#- Public: one row per customer. The clustering population (at least one purchase)
    is assigned in SQL to the nearest centroid of the persisted fit
    (cluster_centroids), with the cluster's plain-language description; everyone
    else has no cluster and the description var cluster_unclustered_description. -#}
{{ pii_gate() }}
with

features as (

    select * from {{ ref('customer_features') }}

),

assigned as (

    select * from {{ ref('int_customers__cluster_assigned') }}

),

profiles as (

    select * from {{ ref('cluster_profiles') }}

),

centroids as (

    select * from {{ ref('cluster_centroids') }}

),

models as (

    select * from {{ ref('cluster_models') }}

),

descriptions as (

    select distinct
        cluster_id,
        cluster_description

    from profiles

),

model_size as (

    select max(cluster_count) as cluster_count

    from centroids

),

current_model as (

    select max(model_version) as model_version

    from models

),

final as (

    select
        features.customer_id,
        features.as_of_date,
        assigned.customer_id is not null as is_clustered,
        cast(assigned.cluster_id as {{ dbt.type_int() }}) as cluster_id,
        case
            when assigned.customer_id is null
                then {{ segmentation.sql_string(var('cluster_unclustered_description')) }}
            else descriptions.cluster_description
        end as cluster_description,
        cast(model_size.cluster_count as {{ dbt.type_int() }}) as cluster_count,
        cast(current_model.model_version as {{ dbt.type_int() }}) as model_version,
        cast(round(assigned.distance_to_centroid, {{ var('cluster_output_decimals') }}) as double)
            as distance_to_centroid

    from features
    cross join model_size
    cross join current_model
    left join assigned
        on features.customer_id = assigned.customer_id
    left join descriptions
        on assigned.cluster_id = descriptions.cluster_id

)

select * from final
