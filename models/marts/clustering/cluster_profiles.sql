{#- Public: one row per cluster and clustering feature: size, share, mean and median
    in original units, and a generated plain-language description of the cluster. -#}
{{ pii_gate() }}
with

assigned as (

    select * from {{ ref('int_customers__cluster_assigned') }}

),

scaled as (

    select * from {{ ref('int_customers__cluster_scaled') }}

),

cluster_sizes as (

    select
        cluster_id,
        as_of_date,
        count(*) as cluster_size,
        1.0 * count(*) / sum(count(*)) over () as cluster_share

    from assigned
    group by 1, 2

),

population as (

    select
        encoded_feature,
        {{ segmentation.exact_avg('original_value') }} as population_mean,
        {{ segmentation.exact_avg('scaled_value') }} as population_scaled_mean,
        -- stddev_pop from exact means: sqrt(mean(x^2) - mean(x)^2), order-independent
        sqrt(greatest(
            {{ segmentation.exact_avg('scaled_value * scaled_value') }}
            - {{ segmentation.exact_avg('scaled_value') }} * {{ segmentation.exact_avg('scaled_value') }},
            0
        )) as population_scaled_stddev

    from scaled
    group by 1

),

cluster_features as (

    select
        assigned.cluster_id,
        scaled.encoded_feature,
        min(scaled.feature_index) as feature_index,
        {{ segmentation.exact_avg('scaled.original_value') }} as feature_mean,
        median(scaled.original_value) as feature_median,
        {{ segmentation.exact_avg('scaled.scaled_value') }} as cluster_scaled_mean

    from scaled
    inner join assigned
        on scaled.customer_id = assigned.customer_id
    group by 1, 2

),

compared as (

    select
        cluster_features.*,
        population.population_mean,
        (cluster_features.cluster_scaled_mean - population.population_scaled_mean)
        / nullif(population.population_scaled_stddev, 0) as standardised_difference

    from cluster_features
    inner join population
        on cluster_features.encoded_feature = population.encoded_feature

),

termed as (

    select
        *,
        case encoded_feature
            {%- for feature, terms in var('cluster_feature_terms').items() %}
                when '{{ feature }}'
                    then case
                        when standardised_difference > 0 then {{ segmentation.sql_string(terms["high"]) }}
                        else {{ segmentation.sql_string(terms["low"]) }}
                    end
            {%- endfor %}
        end as description_term

    from compared

),

ranked_terms as (

    select
        cluster_id,
        description_term,
        row_number() over (
            partition by cluster_id
            order by abs(standardised_difference) desc, feature_index
        ) as term_rank

    from termed
    where
        description_term is not null
        and abs(standardised_difference) >= {{ var('cluster_description_min_abs_z') }}

),

descriptions as (

    select
        cluster_id,
        {{ dbt.listagg('description_term', "', '", 'order by term_rank') }} as cluster_description

    from ranked_terms
    where term_rank <= {{ var('cluster_description_max_terms') }}
    group by 1

),

final as (

    select
        -- grain
        cast(termed.cluster_id as {{ dbt.type_int() }}) as cluster_id,
        cast(termed.encoded_feature as {{ dbt.type_string() }}) as feature,

        -- cluster
        cluster_sizes.as_of_date,
        cast(coalesce(descriptions.cluster_description, 'typical') as {{ dbt.type_string() }})
            as cluster_description,
        cast(cluster_sizes.cluster_size as {{ dbt.type_int() }}) as cluster_size,
        cast(round(cluster_sizes.cluster_share, {{ var('cluster_output_decimals') }}) as double) as cluster_share,

        -- feature
        cast(round(termed.feature_mean, {{ var('cluster_output_decimals') }}) as double) as feature_mean,
        cast(round(termed.feature_median, {{ var('cluster_output_decimals') }}) as double) as feature_median,
        cast(round(termed.population_mean, {{ var('cluster_output_decimals') }}) as double) as population_mean,
        cast(round(termed.standardised_difference, {{ var('cluster_output_decimals') }}) as double)
            as standardised_difference

    from termed
    inner join cluster_sizes
        on termed.cluster_id = cluster_sizes.cluster_id
    left join descriptions
        on termed.cluster_id = descriptions.cluster_id

)

select * from final
