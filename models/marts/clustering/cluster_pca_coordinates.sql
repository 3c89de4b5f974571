{#- One row per customer: the first two principal components of the scaled clustering
    features (fitted on the sample, var-independent), for plotting clusters. -#}
{{ pii_gate() }}
with

scaled as (

    select * from {{ ref('int_customers__cluster_scaled') }}

),

projection as (

    select * from {{ ref('cluster_projection_params') }}
    where projection_kind = 'plot'

),

assigned as (

    select * from {{ ref('int_customers__cluster_assigned') }}

),

coordinates as (

    select
        scaled.customer_id,
        projection.dimension,
        {{ segmentation.exact_sum('(scaled.scaled_value - projection.center_value) * projection.loading') }}
            as coordinate

    from scaled
    inner join projection
        on scaled.encoded_feature = projection.encoded_feature
    group by 1, 2

),

pivoted as (

    select
        customer_id,
        max(case when dimension = 'pc1' then coordinate end) as pc1,
        max(case when dimension = 'pc2' then coordinate end) as pc2

    from coordinates
    group by 1

),

final as (

    select
        assigned.customer_id,
        assigned.as_of_date,
        cast(assigned.cluster_id as {{ dbt.type_int() }}) as cluster_id,
        cast(round(pivoted.pc1, {{ var('cluster_output_decimals') }}) as double) as pc1,
        cast(round(pivoted.pc2, {{ var('cluster_output_decimals') }}) as double) as pc2

    from assigned
    inner join pivoted
        on assigned.customer_id = pivoted.customer_id

)

select * from final
