{#- unique_key is a single column on purpose (see segment_membership_history):
    delete+insert deletes with 'where as_of_date in (...)'. -#}
{{ pii_gate() }}
-- depends_on: {{ ref('int_as_of_date') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        pre_hook="{{ record_history_change(ref('segment_offers')) }}",
        post_hook="{{ purge_deleted_persons() }}",
    )
}}
{#- Public: segment_offers (assignments and arms) appended per as_of_date, with the
    first as_of_date each customer was assigned each offer. Rebuilding an as_of_date
    replaces its rows. first_assigned_date reads the earlier dates stored in this
    table, so build dates in order (a back-filled earlier date does not rewrite the
    later slices; segment_experiment_results recomputes cohorts from every stored date). -#}
with

offers as (

    select * from {{ ref('segment_offers') }}

),

{% if is_incremental() %}

    earlier_assignments as (

        select
            customer_id,
            offer_id,
            min(as_of_date) as first_assigned_date
        from {{ this }}
        where as_of_date < (select as_of.as_of_date from {{ ref('int_as_of_date') }} as as_of)
        group by customer_id, offer_id

    ),

{% endif %}

final as (

    select
        offers.as_of_date,
        offers.customer_id,
        offers.offer_id,
        offers.segment_name,
        offers.channel,
        offers.consent_purpose,
        offers.holdout_share,
        offers.is_holdout,
        {% if is_incremental() -%}
            coalesce(earlier_assignments.first_assigned_date, offers.as_of_date)
        {%- else -%}
            offers.as_of_date
        {%- endif %} as first_assigned_date

    from offers
    {% if is_incremental() -%}
        left join earlier_assignments
            on
                offers.customer_id = earlier_assignments.customer_id
                and offers.offer_id = earlier_assignments.offer_id
    {%- endif %}

)

select * from final
