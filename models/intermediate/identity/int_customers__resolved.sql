{#- One row per canonical customer (person): several CRM records stitched by
    identity resolution are merged, attributes from the most recently updated
    record, signup_at the earliest. Persons with a deletion request are absent, so
    they vanish from every mart on the next build. -#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

deleted_customers as (

    select * from {{ ref('int_identity__deleted_customers') }}

),

customer_records as (

    select
        components.customer_id,
        customers.customer_id as crm_customer_id,
        customers.email_hash,
        customers.phone_hash,
        customers.birth_date,
        customers.age_years_at_load,
        customers._loaded_at as crm_record_loaded_at,
        customers.gender,
        customers.income_band,
        customers.country_code,
        customers.region,
        customers.city,
        customers.is_loyalty_member,
        customers.loyalty_tier,
        customers.signup_at,
        row_number() over (
            partition by components.customer_id
            order by customers.updated_at desc, customers._loaded_at desc, customers.customer_id asc
        ) as recency_rank,
        min(customers.signup_at) over (partition by components.customer_id) as first_signup_at,
        count(*) over (partition by components.customer_id) as count_crm_records
    from customers
    inner join components
        on 'customer:' || customers.customer_id = components.node_id

),

final as (

    select
        customer_records.customer_id,
        customer_records.crm_customer_id,
        customer_records.email_hash,
        customer_records.phone_hash,
        customer_records.birth_date,
        customer_records.age_years_at_load,
        customer_records.crm_record_loaded_at,
        customer_records.gender,
        customer_records.income_band,
        customer_records.country_code,
        customer_records.region,
        customer_records.city,
        customer_records.is_loyalty_member,
        customer_records.loyalty_tier,
        customer_records.first_signup_at as signup_at,
        customer_records.count_crm_records
    from customer_records
    left join deleted_customers
        on customer_records.customer_id = deleted_customers.customer_id
    where
        customer_records.recency_rank = 1
        and deleted_customers.customer_id is null

)

select * from final
