{#- One row per deletion request (request id and subject: request_key), naming the
    person by CRM id and/or email hash. Timestamps that did not parse are null: the
    request is honoured anyway. -#}
with

base as (

    select * from {{ ref('base_crm__deletion_requests') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        {{ dbt.hash(
            "request_id || '|' || coalesce(customer_id_normalized, '') || '|' || "
            ~ "coalesce(" ~ hash_pii('email_normalized') ~ ", '')"
        ) }} as request_key,
        request_id,
        customer_id,
        customer_id_normalized,

        -- hashed PII
        {{ hash_pii('email_normalized') }} as email_hash,

        -- timestamps (UTC)
        requested_at,
        _loaded_at

    from base

)

select * from final
