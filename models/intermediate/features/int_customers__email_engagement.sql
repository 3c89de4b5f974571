{#- Email engagement per canonical customer as of as_of_date, per trailing window
    (var feature_windows_days): of the emails sent in the window, the share opened
    and the share clicked by as_of_date. Null without sends in the window. -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

sends as (

    select
        sends.customer_id,
        coalesce(sends.first_opened_date <= as_of.as_of_date, false) as is_opened,
        coalesce(sends.first_clicked_date <= as_of.as_of_date, false) as is_clicked,
        {{ dbt.datediff('sends.sent_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from {{ ref('int_email_events__sends') }} as sends
    cross join as_of
    where sends.sent_date <= as_of.as_of_date

),

aggregated as (

    select
        customer_id,
        {%- for window_days in var('feature_windows_days') %}
            sum(case when days_before_as_of < {{ window_days }} then 1 else 0 end)
                as count_sends_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} and is_opened then 1 else 0 end)
                as count_opened_sends_{{ window_days }}d,
            sum(case when days_before_as_of < {{ window_days }} and is_clicked then 1 else 0 end)
                as count_clicked_sends_{{ window_days }}d,
        {%- endfor %}
        count(*) as count_sends

    from sends
    group by customer_id

),

final as (

    select
        customers.customer_id,
        {%- for window_days in var('feature_windows_days') %}
            cast(coalesce(aggregated.count_sends_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_email_sends_{{ window_days }}d,
            cast(
                aggregated.count_opened_sends_{{ window_days }}d
                / nullif(cast(aggregated.count_sends_{{ window_days }}d as double), 0)
                as double
            ) as email_open_rate_{{ window_days }}d,
            cast(
                aggregated.count_clicked_sends_{{ window_days }}d
                / nullif(cast(aggregated.count_sends_{{ window_days }}d as double), 0)
                as double
            ) as email_click_rate_{{ window_days }}d,
        {%- endfor %}
        cast(coalesce(aggregated.count_sends, 0) as {{ dbt.type_int() }}) as count_email_sends

    from customers
    left join aggregated
        on customers.customer_id = aggregated.customer_id

)

select * from final
