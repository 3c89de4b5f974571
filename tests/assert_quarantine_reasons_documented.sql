{#- Every reason code found in stg_audit__quarantined_rows is registered for its
    source in staged_sources() (and so documented in docs/staging.md): no silent,
    undocumented rule. Returns one row per unregistered (source, reason). -#}

with

quarantined as (

    select
        source_table,
        rejection_reason,
        count(*) as count_rows
    from {{ ref('stg_audit__quarantined_rows') }}
    group by source_table, rejection_reason

),

registered as (

    {{ registered_rejection_reasons() }}

),

undocumented as (

    select
        quarantined.source_table,
        quarantined.rejection_reason,
        'undocumented_reason' as violation
    from quarantined
    left join registered
        on
            quarantined.source_table = registered.source_table
            and quarantined.rejection_reason = registered.rejection_reason
    where registered.rejection_reason is null

),

validation_errors as (

    select * from undocumented

)

select * from validation_errors
