{#- Every raw email engagement event, typed and normalised, with the validation
    verdict and the dedupe outcome. The source is optional: without it, empty. -#}
{%- set version_order = '_loaded_at desc' %}
{%- set raw_types = segmentation.raw_table_column_types('email', 'email_events') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike -#}
{%- set raw_key -%} nullif(trim(cast(email_event_id as {{ dbt.type_string() }})), '') {%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('email', 'email_events') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'email_event_id', raw_key, loaded_at
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        {{ raw_key }} as email_event_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(cast(campaign_id as {{ dbt.type_string() }})), '') as campaign_id,

        -- event
        nullif(lower(trim(cast(event_type as {{ dbt.type_string() }}))), '') as email_event_type,

        -- timestamps (UTC)
        cast(occurred_at as {{ dbt.type_string() }}) as occurred_at_raw,
        {{ to_utc_timestamp('occurred_at', raw_types.get('occurred_at')) }} as occurred_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        {{ row_fingerprint([
            'email_event_id', 'customer_id', 'campaign_id', 'event_type', 'occurred_at'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'email_event_id', 'customer_id', 'campaign_id', 'email_event_type', 'occurred_at'
        ]) }} as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _email__models.yml for the codes
        case
            when email_event_id is null then 'missing_email_event_id'
            when customer_id is null then 'missing_customer_id'
            when is_loaded_at_invalid then 'invalid_loaded_at'
            when occurred_at is null then 'invalid_occurred_at'
            when occurred_at > _loaded_at then 'future_occurred_at'
            when
                email_event_type is null
                or email_event_type not in {{ sql_values(var('email_event_types')) }}
                then 'unknown_email_event_type'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'email_event_id', version_order) }}

select * from final
