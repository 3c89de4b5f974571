{#- Every quarantine reason is exercised: on the generator's sample data (a raw
    folder holding segkit's _manifest.json) every reason registered in
    staged_sources() occurs at least once, so each validation rule is proven to fire
    on the injected dirt. The generator writes the contract's types and sane values,
    so the raw_value_reasons (text in a typed column, NaN, a 1970 default) are
    proven by segkit/tests/faults/test_row_values.py instead. A user's clean data
    need not trip every rule, so there the test returns nothing. Returns one row per (source, reason) never seen. -#}
{%- set manifest_path = env_var('SEG_RAW_PATH', var('raw_path')) ~ '/_manifest.json' -%}
{%- set is_generated_data = false -%}
{%- if execute and target.type == 'duckdb' -%}
    {%- set found = run_query("select count(*) from glob('" ~ manifest_path ~ "')") -%}
    {%- set is_generated_data = found.columns[0].values()[0] > 0 -%}
{%- endif %}

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

    {{ registered_rejection_reasons(include_raw_value_reasons=false) }}

),

never_exercised as (

    select
        registered.source_table,
        registered.rejection_reason,
        'never_exercised' as violation
    from registered
    left join quarantined
        on
            registered.source_table = quarantined.source_table
            and registered.rejection_reason = quarantined.rejection_reason
    where
        quarantined.rejection_reason is null
        and {{ 'true' if is_generated_data else 'false' }}

),

validation_errors as (

    select * from never_exercised

)

select * from validation_errors
