{#- One row per consent event (grant or revocation of one purpose) per customer, in
    UTC. occurred_at is when the event takes effect: a revocation whose own
    timestamp was unparseable or in the future takes effect when it was loaded
    (is_dated_at_load); one whose `_loaded_at` was unparseable takes effect at its
    own time (_loaded_at null). -#}
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
        effective_at as occurred_at,
        _loaded_at,

        -- flags
        is_dated_at_load,
        consent_status = 'granted' as is_granted

    from base

)

select * from final
