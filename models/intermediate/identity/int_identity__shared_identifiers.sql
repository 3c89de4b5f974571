{#- Emails and phones (salted hashes, never the raw value) carried by more than one
    CRM record: a person's duplicate records share them, and so do placeholders
    typed into forms ('noemail@example.com', '+1 (555) 555-5555'). Above var
    identity_max_customers_per_email / identity_max_customers_per_phone CRM records
    the identifier is excluded from linking (int_identity__edges gives it no edge,
    so it merges nobody) and a deletion request naming it waits for review
    (int_identity__deletion_matches). The CRM records of an identifier are every
    CRM id that ever carried it (any version of the record in base_crm__customers,
    current, former or quarantined: an address a person gave up still names them)
    and, for an email, the CRM ids of orders placed with it. Rows of a deleted
    person's own identifiers are erased after the build
    (erase_deleted_persons_pii('shared_identifiers')). -#}
with

customer_versions as (

    select * from {{ ref('base_crm__customers') }}
    where customer_id is not null

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

identifier_records as (

    select
        'email' as identifier_type,
        {{ hash_pii('email_normalized') }} as identifier_hash,
        customer_id
    from customer_versions
    where email_normalized is not null
    union
    select
        'email' as identifier_type,
        customer_email_hash as identifier_hash,
        customer_id
    from orders
    where customer_email_hash is not null and customer_id is not null
    union
    select
        'phone' as identifier_type,
        {{ hash_pii('phone_normalized') }} as identifier_hash,
        customer_id
    from customer_versions
    where phone_normalized is not null

),

counted as (

    select
        identifier_type,
        identifier_hash,
        cast(count(*) as {{ dbt.type_int() }}) as count_crm_records
    from identifier_records
    group by identifier_type, identifier_hash
    having count(*) > 1

),

final as (

    select
        identifier_type,
        identifier_hash,
        count_crm_records,
        count_crm_records > case identifier_type
            when 'email' then {{ var('identity_max_customers_per_email') }}
            else {{ var('identity_max_customers_per_phone') }}
        end as is_excluded_from_linking
    from counted

)

select * from final
