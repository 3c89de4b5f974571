{#- One row per deletion request (request id and subject) with what it did:
    deletion_outcome matched / shared_identifier_needs_review /
    ambiguous_customer_id_needs_review / quarantined / no_such_customer (see
    int_identity__deletion_matches), and how many persons and CRM records it
    matched. The list a privacy team works from: every request that deleted
    nobody is here with its reason. No CRM ids, emails or hashes of persons, so it
    survives the erasure hook. -#}
with

matches as (

    select * from {{ ref('int_identity__deletion_matches') }}

),

final as (

    select
        request_key,
        request_id,
        requested_at,
        deletion_outcome,
        deletion_outcome in (
            'shared_identifier_needs_review', 'ambiguous_customer_id_needs_review'
        ) as is_review_needed,
        cast(count(distinct customer_id) as {{ dbt.type_int() }}) as count_persons_deleted,
        cast(count(distinct crm_customer_id) as {{ dbt.type_int() }}) as count_crm_records_matched
    from matches
    group by request_key, request_id, requested_at, deletion_outcome

)

select * from final
