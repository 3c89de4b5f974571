{#- unique_key is a single column on purpose: delete+insert then deletes with
    'where as_of_date in (...)'; a list key becomes a join on as_of_date alone,
    quadratic in the rows per date. Not transient on Snowflake: past as_of_dates
    cannot be rebuilt from a later build. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        transient=false,
        post_hook="{{ purge_deleted_persons() }}",
    )
}}
{#- int_customers__kpi_inputs appended per as_of_date, the customer-level input of
    segment_kpis_history. Rebuilding an as_of_date replaces all of its rows; the
    post-hook deletes every row of a person with a deletion request, whatever the
    as_of_date, so the KPI history is recomputed without them. -#}
with

kpi_inputs as (

    select * from {{ ref('int_customers__kpi_inputs') }}

),

final as (

    select * from kpi_inputs

)

select * from final
