{#- Every raw order line, typed and normalised, with the validation verdict and the
    dedupe outcome. The source is optional: without it, empty. -#}
{%- set version_order = '_loaded_at desc' %}
{%- set raw_types = segmentation.raw_table_column_types('shop', 'order_lines') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike -#}
{%- set raw_key -%} nullif(trim(cast(order_line_id as {{ dbt.type_string() }})), '') {%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('shop', 'order_lines') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'order_line_id', raw_key, loaded_at
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        {{ raw_key }} as order_line_id,
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(product_id as {{ dbt.type_string() }})), '') as product_id,

        -- product
        nullif(lower(trim(cast(category as {{ dbt.type_string() }}))), '') as product_category,

        -- numerics
        quantity as quantity_raw,
        {{ try_parse_integer('quantity', raw_types.get('quantity'), dbt.type_int()) }} as quantity,
        unit_price as unit_price_raw,
        {{ try_parse_double('unit_price', raw_types.get('unit_price')) }} as unit_price_local,

        -- timestamps (UTC)
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        {{ row_fingerprint([
            'order_line_id', 'order_id', 'product_id', 'category', 'quantity', 'unit_price'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'order_line_id', 'order_id', 'product_id', 'product_category', 'quantity', 'unit_price_local'
        ]) }} as record_fingerprint

    from typed

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _shop__models.yml for the codes
        case
            when order_line_id is null then 'missing_order_line_id'
            when order_id is null then 'missing_order_id'
            when product_id is null then 'missing_product_id'
            when is_loaded_at_invalid then 'invalid_loaded_at'
            when quantity_raw is not null and quantity is null then 'invalid_quantity'
            when quantity is null or quantity <= 0 then 'non_positive_quantity'
            when unit_price_raw is not null and unit_price_local is null then 'invalid_unit_price'
            when abs(unit_price_local) > {{ var('max_amount_local') }} then 'unit_price_out_of_range'
            when unit_price_local is null or unit_price_local < 0 then 'negative_unit_price'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'order_line_id', version_order) }}

select * from final
