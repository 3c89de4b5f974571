{#- Every raw deletion (right-to-erasure) request, typed and normalised, with the
    validation verdict and the dedupe outcome. Holds the raw email of requests made
    without a CRM id. The source is optional: without it, empty.

    A request is keyed by its id AND its subject (request_key: id, normalised CRM id,
    normalised email), so a request id reused for another person never supersedes
    the first request: both are kept and honoured. Only copies of one request (same
    id, same subject) collapse into one. Erasure does not wait for clean timestamps:
    an unparseable requested_at or `_loaded_at` is staged as null (is_loaded_at_invalid
    flags the latter) and the request is honoured. -#}
{%- set version_order = '_loaded_at desc nulls last' %}
{%- set raw_types = segmentation.raw_table_column_types('crm', 'deletion_requests') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it
    alike (a table: every build reads every request, so the macro passes every row) -#}
{%- set raw_key -%}
    nullif(trim(cast(request_id as {{ dbt.type_string() }})), '')
    || '|' || coalesce({{ normalize_customer_id('customer_id') }}, '')
    || '|' || coalesce({{ normalize_email('email') }}, '')
{%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('crm', 'deletion_requests', point_in_time=false) }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'request_key', raw_key, loaded_at
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        nullif(trim(cast(request_id as {{ dbt.type_string() }})), '') as request_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        {{ normalize_customer_id('customer_id') }} as customer_id_normalized,

        -- PII, normalised (hashed in stg_crm__deletion_requests)
        cast(email as {{ dbt.type_string() }}) as email_raw,
        {{ normalize_email('email') }} as email_normalized,

        -- timestamps (UTC)
        cast(requested_at as {{ dbt.type_string() }}) as requested_at_raw,
        {{ to_utc_timestamp('requested_at', raw_types.get('requested_at')) }} as requested_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        -- the natural key
        {{ raw_key }} as request_key,

        {{ row_fingerprint(['request_id', 'customer_id', 'email', 'requested_at']) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint(['request_id', 'customer_id_normalized', 'email_normalized', 'requested_at']) }}
            as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _crm__models.yml for the codes.
        -- A request is honoured even when its timestamps are odd or unparseable: only
        -- a request that names nobody cannot be acted on.
        case
            when request_id is null then 'missing_request_id'
            when customer_id_normalized is null and email_normalized is null then 'missing_customer_reference'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'request_key', version_order) }}

select * from final
