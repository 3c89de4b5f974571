{#- unique_key is a single column on purpose: delete+insert then deletes with
    'where as_of_date in (...)'; a list key becomes a join on as_of_date alone,
    quadratic in the rows per date. -#}
{{ pii_gate() }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ record_history_change(ref('segment_membership')) }}",
        post_hook="{{ purge_deleted_persons() }}",
    )
}}
{#- Public: segment_membership appended per as_of_date. Rebuilding an as_of_date
    replaces all of its rows (delete+insert on as_of_date), so exits are not kept. -#}
with

membership as (

    select * from {{ ref('segment_membership') }}

),

final as (

    select
        as_of_date,
        customer_id,
        segment_name,
        segment_kind,
        segment_priority,
        is_primary_segment

    from membership

)

select * from final
