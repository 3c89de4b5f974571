{#- One row per deletion request, naming the person by CRM id and/or email hash. -#}
with

base as (

    select * from {{ ref('base_crm__deletion_requests') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        request_id,
        customer_id,

        -- hashed PII
        {{ hash_pii('email_normalized') }} as email_hash,

        -- timestamps (UTC)
        requested_at,
        _loaded_at

    from base

)

select * from final
