{#- Product category affinity per canonical customer as of as_of_date, from the lines
    of the customer's purchases (completed orders, as in RFM: refunded and cancelled
    orders count for nothing) dated on or before as_of_date; with var
    category_affinity_window_days set, only those dated in the trailing window.
    Spend = quantity x unit price, converted from the order's currency into var
    reporting_currency. Lines without a category ('unknown') count in the spend,
    never as a category. Without order lines (the source is optional) every customer
    has no top category and 0 categories. -#}
{%- set window_days = segmentation.validated_var('category_affinity_window_days') -%}
{%- if window_days is not none and window_days < 1 -%}
    {{ exceptions.raise_compiler_error(
        "var category_affinity_window_days = " ~ window_days ~ " is invalid: expected a number of days of 1 or more (dbt_project.yml documents it)."
    ) }}
{%- endif -%}
{#- no window (null): every purchase on or before as_of -#}
{%- set in_window = 'true' if window_days is none else
    dbt.datediff('orders.ordered_date', 'as_of.as_of_date', 'day') ~ ' < ' ~ window_days -%}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

purchases as (

    select orders.*
    from {{ ref('int_orders__resolved') }} as orders
    cross join as_of
    where
        orders.customer_id is not null
        and orders.order_status = 'completed'
        and orders.ordered_date <= as_of.as_of_date
        and {{ in_window }}

),

purchase_lines as (

    select
        purchases.customer_id,
        purchases.ordered_date,
        order_lines.product_category,
        cast(
            {{ to_reporting_currency('order_lines.line_amount_local', 'purchases.currency') }}
            as {{ dbt.type_numeric() }}
        ) as line_amount

    from order_lines
    inner join purchases
        on order_lines.order_id = purchases.order_id

),

-- spend per customer and category: decimal sums, exact on every engine
category_spend as (

    select
        customer_id,
        product_category,
        sum(line_amount) as category_spend,
        max(ordered_date) as last_purchased_date

    from purchase_lines
    group by customer_id, product_category

),

customer_spend as (

    select
        customer_id,
        sum(category_spend) as total_spend,
        sum(case when product_category != 'unknown' then 1 else 0 end) as count_product_categories

    from category_spend
    group by customer_id

),

-- the top category: most spend, then the most recently bought, then alphabetical
ranked_categories as (

    select
        customer_id,
        product_category,
        category_spend,
        row_number() over (
            partition by customer_id
            order by category_spend desc, last_purchased_date desc, product_category asc
        ) as category_rank

    from category_spend
    where product_category != 'unknown'

),

final as (

    select
        customers.customer_id,
        top_categories.product_category as top_product_category,
        -- exact decimal sums, divided as doubles: one IEEE rounding on every engine
        cast(top_categories.category_spend as double)
        / nullif(cast(customer_spend.total_spend as double), 0) as share_of_spend_top_category,
        cast(coalesce(customer_spend.count_product_categories, 0) as {{ dbt.type_int() }})
            as count_product_categories

    from customers
    left join customer_spend
        on customers.customer_id = customer_spend.customer_id
    left join ranked_categories as top_categories
        on
            customers.customer_id = top_categories.customer_id
            and top_categories.category_rank = 1

)

select * from final
