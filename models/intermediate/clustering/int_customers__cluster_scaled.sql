{#- The clustering features of every customer of the clustering population,
    transformed and scaled with the persisted parameters of cluster_scaler_params: one
    row per customer and encoded feature. Mirrors transform_features in
    python_models/clustering/cluster_fit.py. -#}
{%- set numeric_features = var('cluster_features') -%}
{%- set categorical_features = var('cluster_categorical_features') -%}
with

features as (

    select * from {{ ref('int_customers__cluster_population') }}

),

scaler as (

    select * from {{ ref('cluster_scaler_params') }}

),

unpivoted as (

    {%- for column in numeric_features %}
        select
            customer_id,
            as_of_date,
            '{{ column }}' as source_column,
            cast({{ column }} as double) as numeric_value,
            cast(null as {{ dbt.type_string() }}) as category_value
        from features
        {{ "union all" if not loop.last or categorical_features }}
    {%- endfor %}
    {%- for column in categorical_features %}
        select
            customer_id,
            as_of_date,
            '{{ column }}' as source_column,
            cast(null as double) as numeric_value,
            coalesce(cast({{ column }} as {{ dbt.type_string() }}), '__missing__') as category_value
        from features
        {{ "union all" if not loop.last }}
    {%- endfor %}

),

transformed as (

    select
        unpivoted.customer_id,
        unpivoted.as_of_date,
        scaler.feature_index,
        scaler.encoded_feature,
        unpivoted.numeric_value,
        scaler.center_value,
        scaler.scale_value,
        scaler.category_value is not null as is_category_indicator,
        case
            when scaler.category_value is not null
                then case when unpivoted.category_value = scaler.category_value then 1.0 else 0.0 end
            when scaler.is_log1p
                then ln(1 + greatest(coalesce(unpivoted.numeric_value, scaler.fill_value), 0))
            else coalesce(unpivoted.numeric_value, scaler.fill_value)
        end as transformed_value

    from unpivoted
    inner join scaler
        on unpivoted.source_column = scaler.source_column

),

final as (

    select
        customer_id,
        as_of_date,
        feature_index,
        encoded_feature,
        is_category_indicator,
        transformed_value,
        case when is_category_indicator then transformed_value else numeric_value end as original_value,
        (transformed_value - center_value) / scale_value as scaled_value

    from transformed

)

select * from final
