{#- Public: one row per customer and offer: the offers of the customer's segments
    (seed segment_offer_map) whose consent purpose the customer has granted, with
    the customer's arm. A holdout customer (is_holdout) is listed but receives
    nothing: activation and export read `where not is_holdout` (docs/campaigns.md). -#}
{{ pii_gate() }}
with

membership as (

    select * from {{ ref('segment_membership') }}

),

offer_map as (

    select * from {{ ref('segment_offer_map') }}

),

-- one share per offer (the largest non-null across its rows), else var holdout_share
offer_holdout_shares as (

    select
        offer_id,
        coalesce(max(holdout_share), {{ var('holdout_share') }}) as holdout_share
    from offer_map
    group by offer_id

),

consent as (

    select * from {{ ref('int_customers__consent') }}

),

eligible as (

    select
        membership.customer_id,
        membership.as_of_date,
        membership.segment_name,
        membership.segment_priority,
        offer_map.offer_id,
        offer_map.offer_name,
        offer_map.channel,
        offer_map.consent_purpose,
        offer_map.content_description

    from membership
    inner join offer_map
        on membership.segment_name = offer_map.segment_name
    inner join consent
        on
            membership.customer_id = consent.customer_id
            and offer_map.consent_purpose = consent.purpose
    where consent.is_granted

),

-- an offer reached through several segments is attributed to the highest-priority one
deduplicated as (

    select * from eligible
    qualify row_number() over (
        partition by customer_id, offer_id order by segment_priority, segment_name
    ) = 1

),

-- the arm depends only on (salt, offer, customer): stable across nights and as_of dates
assigned as (

    select
        deduplicated.*,
        offer_holdout_shares.holdout_share,
        {{ hash_unit_interval(
            sql_string(var('holdout_salt')) ~ " || '|' || deduplicated.offer_id || '|' || deduplicated.customer_id"
        ) }} < offer_holdout_shares.holdout_share as is_holdout
    from deduplicated
    inner join offer_holdout_shares
        on deduplicated.offer_id = offer_holdout_shares.offer_id

),

final as (

    select
        customer_id,
        as_of_date,
        offer_id,
        segment_name,
        offer_name,
        channel,
        consent_purpose,
        content_description,
        cast(holdout_share as double) as holdout_share,
        is_holdout

    from assigned

)

select * from final
