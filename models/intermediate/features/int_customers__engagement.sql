{#- Engagement scores per canonical customer as of as_of_date.
    engagement_score = sum_i w_i * percent_rank(x_i) / sum_i (w_i * present_i) over the
    behaviours and weights of var engagement_weights, each x_i being the customer's
    <behaviour>_<var engagement_window_days>d feature (null as 0); percent_rank runs
    over all customers, so the lowest value scores 0 and the highest 1. present_i is 1
    when the behaviour's source has at least one row dated on or before as_of_date in
    this build (orders; web events; email events; active days: any of the three), so a
    shop without web or email data is scored over its orders alone and still reaches 1.
    engagement_score_decayed = engagement_decayed_raw / max over customers (0 when
    nobody has any activity). Both lie in [0, 1]. -#}
{%- set weights = segmentation.validated_var('engagement_weights') -%}
{%- set window_days = var('engagement_window_days') -%}
{%- if window_days not in var('feature_windows_days') -%}
    {{ exceptions.raise_compiler_error(
        "var engagement_window_days (" ~ window_days ~ ") must be one of var feature_windows_days"
    ) }}
{%- endif -%}
{%- set presence_by_source = {
    'rfm': 'has_orders',
    'web_behaviour': 'has_web_events',
    'email_engagement': 'has_email_events',
    'activity': '(has_orders or has_web_events or has_email_events)',
} -%}
{%- set source_ctes = {} -%}
{%- for behaviour in weights -%}
    {%- if behaviour.startswith('email_') -%}
        {%- do source_ctes.update({behaviour: 'email_engagement'}) -%}
    {%- elif behaviour in ['count_orders', 'revenue', 'count_refunds'] -%}
        {%- do source_ctes.update({behaviour: 'rfm'}) -%}
    {%- elif behaviour == 'count_active_days' -%}
        {%- do source_ctes.update({behaviour: 'activity'}) -%}
    {%- else -%}
        {%- do source_ctes.update({behaviour: 'web_behaviour'}) -%}
    {%- endif -%}
{%- endfor -%}
{%- set weighted_terms = [] -%}
{%- set present_weights = [] -%}
{%- for behaviour, weight in weights.items() -%}
    {%- do weighted_terms.append(weight ~ ' * ' ~ behaviour ~ '_percentile') -%}
    {%- do present_weights.append(
        'case when ' ~ presence_by_source[source_ctes[behaviour]] ~ ' then ' ~ weight ~ ' else 0 end'
    ) -%}
{%- endfor -%}
with

rfm as (

    select * from {{ ref('int_customers__rfm') }}

),

web_behaviour as (

    select * from {{ ref('int_customers__web_behaviour') }}

),

email_engagement as (

    select * from {{ ref('int_customers__email_engagement') }}

),

activity as (

    select * from {{ ref('int_customers__activity') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

order_source as (

    select count(*) > 0 as is_present
    from {{ ref('int_orders__daily') }} as order_days
    cross join as_of
    where order_days.ordered_date <= as_of.as_of_date

),

web_source as (

    select count(*) > 0 as is_present
    from {{ ref('int_events__daily') }} as event_days
    cross join as_of
    where event_days.occurred_date <= as_of.as_of_date

),

email_source as (

    select count(*) > 0 as is_present
    from {{ ref('int_email_events__daily') }} as email_days
    cross join as_of
    where email_days.occurred_date <= as_of.as_of_date

),

source_presence as (

    -- one row: which behaviour sources this build has data from
    select
        order_source.is_present as has_orders,
        web_source.is_present as has_web_events,
        email_source.is_present as has_email_events

    from order_source
    cross join web_source
    cross join email_source

),

behaviours as (

    select
        rfm.customer_id,
        {%- for behaviour in weights %}
            coalesce({{ source_ctes[behaviour] }}.{{ behaviour }}_{{ window_days }}d, 0) as {{ behaviour }},
        {%- endfor %}
        activity.engagement_decayed_raw

    from rfm
    inner join web_behaviour
        on rfm.customer_id = web_behaviour.customer_id
    inner join email_engagement
        on rfm.customer_id = email_engagement.customer_id
    inner join activity
        on rfm.customer_id = activity.customer_id

),

normalised as (

    select
        customer_id,
        {%- for behaviour in weights %}
            percent_rank() over (order by {{ behaviour }}) as {{ behaviour }}_percentile,
        {%- endfor %}
        engagement_decayed_raw,
        max(engagement_decayed_raw) over () as max_engagement_decayed_raw

    from behaviours

),

weighted as (

    select
        normalised.*,
        {{ present_weights | join(' + ') }} as present_weight

    from normalised
    cross join source_presence

),

final as (

    select
        customer_id,
        cast(
            coalesce(({{ weighted_terms | join(' + ') }}) / nullif(present_weight, 0), 0) as double
        ) as engagement_score,
        cast(
            coalesce(engagement_decayed_raw / nullif(max_engagement_decayed_raw, 0), 0) as double
        ) as engagement_score_decayed

    from weighted

)

select * from final
