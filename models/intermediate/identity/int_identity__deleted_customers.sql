{#- Persons who asked to be deleted: the canonical customer of every CRM record or
    identity node a deletion request matched (int_identity__deletion_matches: CRM
    id in any case or spacing, current or former email). The whole person goes,
    with every CRM record, email and device stitched to them. -#}
with

matches as (

    select * from {{ ref('int_identity__deletion_matches') }}

),

final as (

    select
        customer_id,
        count(distinct request_key) as count_requests,
        min(requested_at) as first_requested_at
    from matches
    where customer_id is not null
    group by customer_id

)

select * from final
