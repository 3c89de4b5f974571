{#- One row per order: the latest valid version, amounts in the reporting currency.
    Refunded and cancelled orders are kept and typed, not treated as errors. -#}
with

base as (

    select * from {{ ref('base_shop__orders') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        order_id,
        customer_id,
        {{ hash_pii('customer_email_normalized') }} as customer_email_hash,

        -- order
        order_status,
        order_status = 'refunded' as is_refunded,
        order_status = 'cancelled' as is_cancelled,
        coalesce({{ redact_pii('sales_channel') }}, 'unknown') as sales_channel,

        -- money
        currency,
        amount as amount_local,
        cast({{ to_reporting_currency('amount', 'currency') }} as {{ dbt.type_numeric() }}) as amount,

        -- timestamps (UTC)
        ordered_at,
        cast(ordered_at as date) as ordered_date,
        updated_at,
        _loaded_at

    from base

)

select * from final
