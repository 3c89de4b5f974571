{#- Every raw consent event, typed and normalised, with the validation verdict and
    the dedupe outcome. The source is optional: without it, empty. -#}
{%- set version_order = '_loaded_at desc' %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('crm', 'consent_events', [
        ('consent_event_id', dbt.type_string()),
        ('customer_id', dbt.type_string()),
        ('purpose', dbt.type_string()),
        ('status', dbt.type_string()),
        ('occurred_at', dbt.type_string()),
        ('_loaded_at', dbt.type_timestamp()),
    ]) }}

),

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        nullif(trim(cast(consent_event_id as {{ dbt.type_string() }})), '') as consent_event_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        -- consent
        nullif(lower(trim(cast(purpose as {{ dbt.type_string() }}))), '') as consent_purpose,
        nullif(lower(trim(cast(status as {{ dbt.type_string() }}))), '') as consent_status,

        -- timestamps (UTC)
        cast(occurred_at as {{ dbt.type_string() }}) as occurred_at_raw,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,

        {{ row_fingerprint([
            'consent_event_id', 'customer_id', 'purpose', 'status', 'occurred_at'
        ]) }} as row_fingerprint

    from source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'consent_event_id', 'customer_id', 'consent_purpose', 'consent_status', 'occurred_at'
        ]) }} as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _crm__models.yml for the codes
        case
            when consent_event_id is null then 'missing_consent_event_id'
            when customer_id is null then 'missing_customer_id'
            when occurred_at is null then 'invalid_occurred_at'
            when occurred_at > _loaded_at then 'future_occurred_at'
            when
                consent_purpose is null
                or consent_purpose not in {{ sql_values(var('consent_purposes')) }}
                then 'unknown_consent_purpose'
            when consent_status is null or consent_status not in ('granted', 'revoked')
                then 'unknown_consent_status'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'consent_event_id', version_order) }}

select * from final
