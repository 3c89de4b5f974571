{#- Every raw deletion (right-to-erasure) request, typed and normalised, with the
    validation verdict and the dedupe outcome. Holds the raw email of requests made
    without a CRM id. The source is optional: without it, empty. -#}
{%- set version_order = '_loaded_at desc' %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('crm', 'deletion_requests', point_in_time=false, columns=[
        ('request_id', dbt.type_string()),
        ('customer_id', dbt.type_string()),
        ('email', dbt.type_string()),
        ('requested_at', dbt.type_string()),
        ('_loaded_at', dbt.type_timestamp()),
    ]) }}

),

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        nullif(trim(cast(request_id as {{ dbt.type_string() }})), '') as request_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,

        -- PII, normalised (hashed in stg_crm__deletion_requests)
        cast(email as {{ dbt.type_string() }}) as email_raw,
        {{ normalize_email('email') }} as email_normalized,

        -- timestamps (UTC)
        cast(requested_at as {{ dbt.type_string() }}) as requested_at_raw,
        {{ to_utc_timestamp('requested_at') }} as requested_at,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,

        {{ row_fingerprint(['request_id', 'customer_id', 'email', 'requested_at']) }} as row_fingerprint

    from source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint(['request_id', 'customer_id', 'email_normalized', 'requested_at']) }}
            as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _crm__models.yml for the codes.
        -- A request is honoured even when its timestamp is odd: only a request that
        -- names nobody cannot be acted on.
        case
            when request_id is null then 'missing_request_id'
            when customer_id is null and email_normalized is null then 'missing_customer_reference'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'request_id', version_order) }}

select * from final
