{#- Engagement scores per canonical customer as of as_of_date.
    engagement_score = sum_i w_i * percent_rank(x_i) / sum_i w_i over the behaviours
    and weights of var engagement_weights, each x_i being the customer's
    <behaviour>_<var engagement_window_days>d feature (null as 0); percent_rank runs
    over all customers, so the lowest value scores 0 and the highest 1.
    engagement_score_decayed = engagement_decayed_raw / max over customers (0 when
    nobody has any activity). Both lie in [0, 1]. -#}
{%- set weights = segmentation.validated_var('engagement_weights') -%}
{%- set window_days = var('engagement_window_days') -%}
{%- if window_days not in var('feature_windows_days') -%}
    {{ exceptions.raise_compiler_error(
        "var engagement_window_days (" ~ window_days ~ ") must be one of var feature_windows_days"
    ) }}
{%- endif -%}
{%- set total_weight = weights.values() | sum -%}
{%- set weighted_terms = [] -%}
{%- for behaviour, weight in weights.items() -%}
    {%- do weighted_terms.append(weight ~ ' * ' ~ behaviour ~ '_percentile') -%}
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

behaviours as (

    select
        rfm.customer_id,
        {%- for behaviour in weights %}
            {%- if behaviour.startswith('email_') %}
                {%- set source_cte = 'email_engagement' %}
            {%- elif behaviour in ['count_orders', 'revenue', 'count_refunds'] %}
                {%- set source_cte = 'rfm' %}
            {%- elif behaviour == 'count_active_days' %}
                {%- set source_cte = 'activity' %}
            {%- else %}
                {%- set source_cte = 'web_behaviour' %}
            {%- endif %}
            coalesce({{ source_cte }}.{{ behaviour }}_{{ window_days }}d, 0) as {{ behaviour }},
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

final as (

    select
        customer_id,
        cast(
            ({{ weighted_terms | join(' + ') }}) / {{ total_weight }} as double
        ) as engagement_score,
        cast(
            coalesce(engagement_decayed_raw / nullif(max_engagement_decayed_raw, 0), 0) as double
        ) as engagement_score_decayed

    from normalised

)

select * from final
