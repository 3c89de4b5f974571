{#- One row per customer and UTC date with the day's email sends, opens and clicks.
    No as_of filter: the feature models apply it. -#}
with

email_events as (

    select * from {{ ref('int_email_events__resolved') }}
    where customer_id is not null

),

final as (

    select
        customer_id,
        occurred_date,
        cast(sum(case when email_event_type = 'send' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_sends,
        cast(sum(case when email_event_type = 'open' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_opens,
        cast(sum(case when email_event_type = 'click' then 1 else 0 end) as {{ dbt.type_int() }})
            as count_clicks

    from email_events
    group by customer_id, occurred_date

)

select * from final
