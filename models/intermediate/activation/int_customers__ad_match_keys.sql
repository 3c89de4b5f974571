{#- Restricted: the key ad platforms match a customer on, for the audience export
    only (segkit.export; docs/campaigns.md "Audience export"). One row per canonical
    customer with an email: email_sha256, the UNSALTED SHA-256 of the normalised
    (trimmed, lower-cased) email of the CRM record int_customers__resolved takes
    the person's attributes from (the most recently updated one). A view: no copy
    of the hashes is stored; it is never published and no mart reads it. Persons
    with a deletion request are absent (as from int_customers__resolved), and so
    are placeholder emails shared by more than var identity_max_customers_per_email
    CRM records, which would match a stranger on the platform. -#}
{{ config(materialized='view') }}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

shared_emails as (

    select * from {{ ref('int_identity__shared_identifiers') }}
    where identifier_type = 'email' and is_excluded_from_linking

),

final as (

    select
        customers.customer_id,
        crm_customers.email_sha256
    from customers
    inner join crm_customers
        on customers.crm_customer_id = crm_customers.customer_id
    left join shared_emails
        on crm_customers.email_hash = shared_emails.identifier_hash
    where
        crm_customers.email_sha256 is not null
        and shared_emails.identifier_hash is null

)

select * from final
