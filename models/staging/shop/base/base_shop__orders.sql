{#- Every raw order row, typed and normalised, with the validation verdict and the
    dedupe outcome. Holds the raw email of guest checkouts: only staging reads it. -#}
{%- set version_order = 'updated_at desc, _loaded_at desc' %}
{%- set raw_types = segmentation.raw_table_column_types('shop', 'orders') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike -#}
{%- set raw_key -%} nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') {%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ raw_table('shop', 'orders') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'order_id', raw_key, loaded_at, reread_erased=true
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        {{ raw_key }} as order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        {{ normalize_email('customer_email') }} as customer_email_normalized,

        -- order
        nullif(lower(trim(cast(status as {{ dbt.type_string() }}))), '') as order_status,
        nullif(lower(trim(cast(sales_channel as {{ dbt.type_string() }}))), '') as sales_channel,

        -- money
        -- double, not dbt.type_float() (32-bit on DuckDB): sums of many orders must
        -- stay exact to the cent
        amount as amount_raw,
        {{ try_parse_double('amount', raw_types.get('amount')) }} as amount,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,

        -- timestamps (UTC)
        cast(ordered_at as {{ dbt.type_string() }}) as ordered_at_raw,
        {{ to_utc_timestamp('ordered_at', raw_types.get('ordered_at')) }} as ordered_at,
        {{ to_utc_timestamp('updated_at', raw_types.get('updated_at')) }} as updated_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        updated_at is not null
        and {{ to_utc_timestamp('updated_at', raw_types.get('updated_at')) }} is null as is_updated_at_invalid,
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        {{ row_fingerprint([
            'order_id', 'customer_id', 'customer_email', 'ordered_at', 'amount', 'currency',
            'status', 'sales_channel', 'updated_at'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'order_id', 'customer_id', 'customer_email_normalized', 'ordered_at', 'amount', 'currency',
            'order_status', 'sales_channel'
        ]) }} as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _shop__models.yml for the codes
        case
            when order_id is null then 'missing_order_id'
            when customer_id is null and customer_email_normalized is null
                then 'missing_customer_reference'
            when is_loaded_at_invalid then 'invalid_loaded_at'
            when is_updated_at_invalid then 'invalid_updated_at'
            when ordered_at is null then 'invalid_ordered_at'
            when ordered_at > _loaded_at then 'future_ordered_at'
            when
                order_status is null
                or order_status not in ('completed', 'refunded', 'cancelled')
                then 'unknown_order_status'
            when currency is null or currency not in {{ known_currencies() }}
                then 'unknown_currency'
            when amount_raw is not null and amount is null then 'invalid_amount'
            when abs(amount) > {{ var('max_amount_local') }} then 'amount_out_of_range'
            when amount is null or amount <= 0 then 'non_positive_amount'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'order_id', version_order, reread_erased=true) }}

-- the erasure hook (erase_deleted_persons_pii) sets is_pii_erased; such rows are
-- read from the raw files again on every run (macros/staging/delivered_rows.sql)
select
    *,
    false as is_pii_erased
from final
