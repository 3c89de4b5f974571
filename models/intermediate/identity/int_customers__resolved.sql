{#- One row per canonical customer: the person the segments are about.
    Foundation version: the CRM id is the canonical id. Identity resolution across
    emails, phones and devices replaces this mapping without changing its columns. -#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

final as (

    select
        customer_id,
        email_hash,
        phone_hash,
        birth_date,
        age_years_at_load,
        gender,
        income_band,
        country_code,
        region,
        city,
        is_loyalty_member,
        loyalty_tier,
        signup_at

    from customers

)

select * from final
