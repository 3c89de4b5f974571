{#- One row per email engagement event: the latest valid version, in UTC. -#}
with

base as (

    select * from {{ ref('base_email__events') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        email_event_id,
        customer_id,
        campaign_id,

        -- event
        email_event_type,

        -- timestamps (UTC)
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        _loaded_at

    from base

)

select * from final
