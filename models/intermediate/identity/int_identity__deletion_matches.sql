{#- What each deletion request names: one row per request (request_key) and CRM
    record or person it matched, and one row with null ids for a request that
    matched nobody, each with the request's outcome. Matching, per identifier:

    - CRM id: compared in the form of normalize_customer_id() (lower case, no
      whitespace) with every CRM id that ever existed (base_crm__customers, any
      version or outcome). An exact (trimmed) match wins; otherwise the one CRM id
      of that form; two or more (ids that differ only in case) are ambiguous and
      delete nobody until reviewed.
    - email hash: every CRM record that ever carried the email (current, former or
      quarantined versions) and every identity node of that email (a guest order's
      email stitched to a person). An email in int_identity__shared_identifiers
      excluded from linking (a placeholder) deletes nobody until reviewed.

    A matched CRM record leads to its person (int_identity__components); a CRM id
    known only from quarantined rows has no person, and the erasure hook still
    erases its raw PII. deletion_outcome, first that applies:
    shared_identifier_needs_review, ambiguous_customer_id_needs_review, matched (a
    person is deleted), quarantined, no_such_customer. A request needing review can
    still delete the person its other identifier names.

    Holds CRM ids of deleted persons: emptied after the build by
    erase_deleted_persons_pii('matches'); int_identity__deletion_request_outcomes
    keeps the outcome per request without ids. -#}
with

requests as (

    select * from {{ ref('stg_crm__deletion_requests') }}

),

customer_versions as (

    select * from {{ ref('base_crm__customers') }}
    where customer_id is not null

),

components as (

    select * from {{ ref('int_identity__components') }}

),

shared_identifiers as (

    select * from {{ ref('int_identity__shared_identifiers') }}
    where identifier_type = 'email' and is_excluded_from_linking

),

crm_ids as (

    select distinct
        customer_id as crm_customer_id,
        {{ normalize_customer_id('customer_id') }} as crm_customer_id_normalized
    from customer_versions

),

crm_emails as (

    select distinct
        customer_id as crm_customer_id,
        {{ hash_pii('email_normalized') }} as email_hash
    from customer_versions
    where email_normalized is not null

),

id_candidates as (

    select
        requests.request_key,
        crm_ids.crm_customer_id,
        crm_ids.crm_customer_id = requests.customer_id as is_exact_match,
        count(*) over (partition by requests.request_key) as count_candidates,
        max(case when crm_ids.crm_customer_id = requests.customer_id then 1 else 0 end)
            over (partition by requests.request_key) as has_exact_match
    from requests
    inner join crm_ids
        on requests.customer_id_normalized = crm_ids.crm_customer_id_normalized

),

id_matches as (

    select
        request_key,
        crm_customer_id,
        'customer_id' as matched_by
    from id_candidates
    where is_exact_match or (has_exact_match = 0 and count_candidates = 1)

),

ambiguous_requests as (

    select distinct request_key
    from id_candidates
    where has_exact_match = 0 and count_candidates > 1

),

shared_email_requests as (

    select requests.request_key
    from requests
    inner join shared_identifiers
        on requests.email_hash = shared_identifiers.identifier_hash

),

email_matches as (

    select
        requests.request_key,
        crm_emails.crm_customer_id,
        'email' as matched_by
    from requests
    inner join crm_emails
        on requests.email_hash = crm_emails.email_hash
    left join shared_email_requests
        on requests.request_key = shared_email_requests.request_key
    where shared_email_requests.request_key is null

),

crm_matches as (

    select * from id_matches
    union
    select * from email_matches

),

resolved_crm_matches as (

    select
        crm_matches.request_key,
        crm_matches.crm_customer_id,
        components.customer_id,
        crm_matches.matched_by
    from crm_matches
    left join components
        on 'customer:' || crm_matches.crm_customer_id = components.node_id

),

email_node_matches as (

    select
        requests.request_key,
        cast(null as {{ dbt.type_string() }}) as crm_customer_id,
        components.customer_id,
        'email' as matched_by
    from requests
    inner join components
        on 'email:' || requests.email_hash = components.node_id
    left join shared_email_requests
        on requests.request_key = shared_email_requests.request_key
    where
        components.customer_id is not null
        and shared_email_requests.request_key is null

),

matches as (

    select * from resolved_crm_matches
    union
    select * from email_node_matches

),

match_counts as (

    select
        request_key,
        count(customer_id) as count_person_matches,
        count(*) as count_matches
    from matches
    group by request_key

),

request_outcomes as (

    select
        requests.request_key,
        case
            when shared_email_requests.request_key is not null then 'shared_identifier_needs_review'
            when ambiguous_requests.request_key is not null then 'ambiguous_customer_id_needs_review'
            when match_counts.count_person_matches > 0 then 'matched'
            when match_counts.count_matches > 0 then 'quarantined'
            else 'no_such_customer'
        end as deletion_outcome
    from requests
    left join shared_email_requests
        on requests.request_key = shared_email_requests.request_key
    left join ambiguous_requests
        on requests.request_key = ambiguous_requests.request_key
    left join match_counts
        on requests.request_key = match_counts.request_key

),

final as (

    select
        requests.request_key,
        requests.request_id,
        requests.requested_at,
        request_outcomes.deletion_outcome,
        matches.matched_by,
        matches.crm_customer_id,
        matches.customer_id
    from requests
    inner join request_outcomes
        on requests.request_key = request_outcomes.request_key
    left join matches
        on requests.request_key = matches.request_key

)

select * from final
