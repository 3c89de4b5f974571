{#- The single date every feature and segment is computed as of (inclusive).
    var('as_of') when set; otherwise the latest valid order date in the data, so a
    build on the same data always gives the same answer. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

final as (

    select
        {% if var('as_of') is not none -%}
        cast('{{ var("as_of") }}' as date)
        {%- else -%}
            cast(max(ordered_date) as date)
        {%- endif %} as as_of_date

    from orders

)

select * from final
