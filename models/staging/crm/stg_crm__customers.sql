{#- One row per CRM customer id: the latest valid version. PII leaves staging only
    as salted hashes; free-text attributes have email- and phone-shaped substrings
    redacted (docs/staging.md). -#}
with

base as (

    select * from {{ ref('base_crm__customers') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        customer_id,

        -- hashed PII
        {{ hash_pii('email_normalized') }} as email_hash,
        -- unsalted, for ad-platform matching only (docs/campaigns.md "Audience export")
        {{ match_key_sha256('email_normalized') }} as email_sha256,
        {{ hash_pii('phone_normalized') }} as phone_hash,
        {{ hash_pii('lower(first_name)') }} as first_name_hash,
        {{ hash_pii('lower(last_name)') }} as last_name_hash,

        -- demographics (free text: email- and phone-shaped substrings redacted)
        birth_date,
        age_years_at_load,
        coalesce({{ redact_pii('gender') }}, 'unknown') as gender,
        {{ redact_pii('income_band') }} as income_band,
        country_code,
        {{ redact_pii('region') }} as region,
        {{ redact_pii('city') }} as city,

        -- loyalty
        is_loyalty_member,
        {{ redact_pii('loyalty_tier') }} as loyalty_tier,

        -- timestamps (UTC)
        signup_at,
        updated_at,
        _loaded_at

    from base

)

select * from final
