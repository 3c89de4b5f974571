{#- One row per encoded clustering feature: how a raw value becomes a scaled one.
    scaled = (transformed - center_value) / scale_value, where transformed is the
    imputed value (log1p after clipping at 0 when is_log1p) or a 0/1 category
    indicator. imputed_share and top_value_share say how concentrated each numeric
    feature is in the fitted population (data tests cap both). -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

final as (

    select
        cast(feature_index as {{ dbt.type_int() }}) as feature_index,
        cast(encoded_feature as {{ dbt.type_string() }}) as encoded_feature,
        cast(source_column as {{ dbt.type_string() }}) as source_column,
        cast(category_value as {{ dbt.type_string() }}) as category_value,
        coalesce(is_log1p = 1, false) as is_log1p,
        cast(fill_value as double) as fill_value,
        cast(imputed_share as double) as imputed_share,
        cast(top_value_share as double) as top_value_share,
        cast(center as double) as center_value,
        cast(scale as double) as scale_value

    from fit
    where record_type = 'scaler'

)

select * from final
