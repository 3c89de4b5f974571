{#- Warns when the current model version's refit lost a cluster: an id of the
    previous model with no id in the new one (cluster_lineage.is_vanished). Its
    customers went mostly to destination_cluster_id. -#}
{{ config(severity='warn') }}
with

lineage as (

    select * from {{ ref('cluster_lineage') }}

),

models as (

    select * from {{ ref('cluster_models') }}

),

validation_errors as (

    select lineage.*

    from lineage
    inner join models
        on lineage.model_version = models.model_version
    where
        models.is_current
        and lineage.is_vanished

)

select * from validation_errors
