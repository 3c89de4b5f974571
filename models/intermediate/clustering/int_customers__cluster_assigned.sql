{#- Nearest-centroid assignment of every customer, in SQL: scaled features are
    projected into the clustering space, the squared Euclidean distance to every
    centroid is summed over dimensions, and the nearest centroid wins (ties: the
    lowest cluster_id). Works for customers the fit never saw, without refitting. -#}
with

scaled as (

    select * from {{ ref('int_customers__cluster_scaled') }}

),

projection as (

    select * from {{ ref('cluster_projection_params') }}
    where projection_kind = 'clustering'

),

centroids as (

    select * from {{ ref('cluster_centroids') }}

),

coordinates as (

    select
        scaled.customer_id,
        scaled.as_of_date,
        projection.dimension,
        {{ segmentation.exact_sum('(scaled.scaled_value - projection.center_value) * projection.loading') }}
            as coordinate

    from scaled
    inner join projection
        on scaled.encoded_feature = projection.encoded_feature
    group by 1, 2, 3

),

squared_distances as (

    select
        coordinates.customer_id,
        coordinates.as_of_date,
        centroids.cluster_id,
        centroids.cluster_count,
        {{ segmentation.exact_sum(
            '(coordinates.coordinate - centroids.centroid_value)'
            ~ ' * (coordinates.coordinate - centroids.centroid_value)'
        ) }} as squared_distance

    from coordinates
    inner join centroids
        on coordinates.dimension = centroids.dimension
    group by 1, 2, 3, 4

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by squared_distance, cluster_id
        ) as distance_rank

    from squared_distances

),

final as (

    select
        customer_id,
        as_of_date,
        cluster_id,
        cluster_count,
        sqrt(squared_distance) as distance_to_centroid

    from ranked
    where distance_rank = 1

)

select * from final
