{#- Public: at each refit (model_version > 1 fitted on a comparable model), where
    the previous model's clusters went: old id -> the same id when the new model kept
    it, none when it vanished, with the share of its customers (assigned by both
    models at the refit's as_of) that stayed; new ids never used before have no
    old id. -#}
{{ pii_gate() }}
with

fit as (

    select * from {{ ref('cluster_fit') }}

),

lineage as (

    select * from fit
    where record_type = 'lineage'

),

final as (

    select
        -- grain
        cast(model_version as {{ dbt.type_int() }}) as model_version,
        cast(old_cluster_id as {{ dbt.type_int() }}) as previous_cluster_id,
        cast(new_cluster_id as {{ dbt.type_int() }}) as cluster_id,
        cast(
            coalesce(cast(cast(old_cluster_id as {{ dbt.type_int() }}) as {{ dbt.type_string() }}), 'none')
            || '->'
            || coalesce(cast(cast(new_cluster_id as {{ dbt.type_int() }}) as {{ dbt.type_string() }}), 'none')
            as {{ dbt.type_string() }}
        ) as lineage_step,

        -- outcome
        old_cluster_id is not null and new_cluster_id is null as is_vanished,
        old_cluster_id is null as is_new,
        cast(n_fitted as {{ dbt.type_int() }}) as count_customers,
        cast(kept_share as double) as kept_share,
        cast(destination_cluster_id as {{ dbt.type_int() }}) as destination_cluster_id,
        cast(destination_share as double) as destination_share

    from lineage

)

select * from final
