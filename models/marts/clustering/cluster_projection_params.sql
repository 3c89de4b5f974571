{#- Loadings from scaled features to a space: 'clustering' (PCA when
    var cluster_pca_components > 0, otherwise identity) and 'plot' (2-D PCA).
    coordinate[dimension] = sum over features of (scaled_value - center_value) * loading. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

final as (

    select
        cast(projection_kind as {{ dbt.type_string() }}) as projection_kind,
        cast(dimension_index as {{ dbt.type_int() }}) as dimension_index,
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(encoded_feature as {{ dbt.type_string() }}) as encoded_feature,
        cast(center as double) as center_value,
        cast(loading as double) as loading

    from fit
    where record_type = 'projection'

)

select * from final
