{#- One row per consent event (grant or revocation of one purpose), in UTC. -#}
with

base as (

    select * from {{ ref('base_crm__consent_events') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        consent_event_id,
        customer_id,

        -- consent
        consent_purpose,
        consent_status,

        -- timestamps (UTC)
        occurred_at,
        _loaded_at,

        -- flags
        consent_status = 'granted' as is_granted

    from base

)

select * from final
