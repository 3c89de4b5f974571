{#- Quality of the predictive segmentation model: cross-validated ROC-AUC (per fold,
    mean, standard deviation), training size and positive share (diagnostic_type
    'metric'), and impurity feature importances ('feature_importance'). -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('propensity_fit') }}

),

final as (

    select
        case record_type when 'importance' then 'feature_importance' else 'metric' end as diagnostic_type,
        cast(name as {{ dbt.type_string() }}) as diagnostic_name,
        cast(value as double) as diagnostic_value,
        cast(classifier as {{ dbt.type_string() }}) as classifier

    from fit
    where record_type in ('metric', 'importance')

)

select * from final
