{#- One row per order line: the latest valid version. Prices stay in the order's
    currency (the line carries none); join stg_shop__orders for the currency. -#}
with

base as (

    select * from {{ ref('base_shop__order_lines') }}
    where record_outcome = 'kept'

),

final as (

    select
        -- ids
        order_line_id,
        order_id,
        product_id,

        -- numerics
        quantity,
        unit_price_local,

        -- timestamps (UTC)
        _loaded_at,

        -- product
        coalesce(product_category, 'unknown') as product_category,

        -- money
        quantity * unit_price_local as line_amount_local

    from base

)

select * from final
