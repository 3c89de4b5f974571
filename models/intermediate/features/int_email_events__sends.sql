{#- One row per email send attributed to a canonical customer, with the date of the
    first open and first click of the same campaign by the same customer at or after
    the send. Feature models count a send as opened (clicked) as of a date when that
    first open (click) date is on or before it. -#}
with

email_events as (

    select * from {{ ref('int_email_events__resolved') }}
    where customer_id is not null

),

sends as (

    select
        email_event_id as send_event_id,
        customer_id,
        campaign_id,
        occurred_at as sent_at,
        occurred_date as sent_date

    from email_events
    where email_event_type = 'send'

),

reactions as (

    select
        customer_id,
        campaign_id,
        email_event_type,
        occurred_at,
        occurred_date

    from email_events
    where email_event_type in ('open', 'click')

),

final as (

    select
        sends.send_event_id,
        sends.customer_id,
        sends.campaign_id,
        sends.sent_at,
        sends.sent_date,
        min(case when reactions.email_event_type = 'open' then reactions.occurred_date end)
            as first_opened_date,
        min(case when reactions.email_event_type = 'click' then reactions.occurred_date end)
            as first_clicked_date

    from sends
    left join reactions
        on
            sends.customer_id = reactions.customer_id
            and sends.campaign_id = reactions.campaign_id
            and sends.sent_at <= reactions.occurred_at
    group by
        sends.send_event_id,
        sends.customer_id,
        sends.campaign_id,
        sends.sent_at,
        sends.sent_date

)

select * from final
