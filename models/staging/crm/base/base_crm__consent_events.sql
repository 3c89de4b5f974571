{#- Every raw consent event, typed and normalised, with the validation verdict and
    the dedupe outcome. The source is optional: without it, empty.

    A revocation is never lost: with an unparseable timestamp, or one after the row
    was loaded (a device clock ahead), it is kept and takes effect when it was
    loaded (effective_at = _loaded_at); with an unparseable `_loaded_at` but a valid
    occurred_at, it is kept and takes effect at its occurred_at. A revocation that
    nothing dates (both invalid) is quarantined (invalid_loaded_at): no time is
    guessed. A grant with an unparseable or future timestamp, or an unparseable
    `_loaded_at`, stays quarantined (fail closed: no offer on a grant we cannot
    date). Events are keyed by (customer_id, consent_event_id), so an event id
    reused by another customer never supersedes the first customer's event. -#}
{%- set version_order = '_loaded_at desc nulls last' %}
{%- set raw_types = segmentation.raw_table_column_types('crm', 'consent_events') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike;
    null exactly when the id or the customer is missing -#}
{%- set raw_key -%}
    nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') || '|'
    || nullif(trim(cast(consent_event_id as {{ dbt.type_string() }})), '')
{%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('crm', 'consent_events') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'consent_event_key', raw_key, loaded_at
) }}

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
        {{ to_utc_timestamp('occurred_at', raw_types.get('occurred_at')) }} as occurred_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        -- the natural key; null exactly when the id or the customer is missing
        {{ raw_key }} as consent_event_key,

        {{ row_fingerprint([
            'consent_event_id', 'customer_id', 'purpose', 'status', 'occurred_at'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'consent_event_id', 'customer_id', 'consent_purpose', 'consent_status', 'occurred_at'
        ]) }} as record_fingerprint

    from typed

),

dated as {{ segmentation.inline_cte() }} (

    select
        *,
        coalesce(consent_status = 'revoked', false) as is_revocation,
        coalesce(consent_status = 'revoked', false)
        and _loaded_at is not null
        and (occurred_at is null or occurred_at > _loaded_at) as is_dated_at_load,
        case
            when
                coalesce(consent_status = 'revoked', false)
                and _loaded_at is not null
                and (occurred_at is null or occurred_at > _loaded_at)
                then _loaded_at
            else occurred_at
        end as effective_at

    from fingerprinted

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _crm__models.yml for the codes
        case
            when consent_event_id is null then 'missing_consent_event_id'
            when customer_id is null then 'missing_customer_id'
            when is_loaded_at_invalid and (not is_revocation or occurred_at is null)
                then 'invalid_loaded_at'
            when occurred_at is null and not is_dated_at_load then 'invalid_occurred_at'
            when occurred_at > _loaded_at and not is_dated_at_load then 'future_occurred_at'
            when
                consent_purpose is null
                or consent_purpose not in {{ sql_values(var('consent_purposes')) }}
                then 'unknown_consent_purpose'
            when consent_status is null or consent_status not in ('granted', 'revoked')
                then 'unknown_consent_status'
        end as rejection_reason

    from dated

),

{{ record_outcome_ctes('validated', 'consent_event_key', version_order) }}

select * from final
