{#- Every raw order line, typed and normalised, with the validation verdict and the
    dedupe outcome. The source is optional: without it, empty. -#}
{%- set version_order = '_loaded_at desc' %}
with

source as {{ segmentation.inline_cte() }} (

    {{ optional_source('shop', 'order_lines', [
        ('order_line_id', dbt.type_string()),
        ('order_id', dbt.type_string()),
        ('product_id', dbt.type_string()),
        ('category', dbt.type_string()),
        ('quantity', dbt.type_int()),
        ('unit_price', 'double'),
        ('_loaded_at', dbt.type_timestamp()),
    ]) }}

),

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        nullif(trim(cast(order_line_id as {{ dbt.type_string() }})), '') as order_line_id,
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(product_id as {{ dbt.type_string() }})), '') as product_id,

        -- product
        nullif(lower(trim(cast(category as {{ dbt.type_string() }}))), '') as product_category,

        -- numerics
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as double) as unit_price_local,

        -- timestamps (UTC)
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at,

        {{ row_fingerprint([
            'order_line_id', 'order_id', 'product_id', 'category', 'quantity', 'unit_price'
        ]) }} as row_fingerprint

    from source

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
            when quantity is null or quantity <= 0 then 'non_positive_quantity'
            when unit_price_local is null or unit_price_local < 0 then 'negative_unit_price'
        end as rejection_reason

    from fingerprinted

),

{{ record_outcome_ctes('validated', 'order_line_id', version_order) }}

select * from final
