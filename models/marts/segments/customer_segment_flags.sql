{#- Public, wide: one row per customer and one boolean is_<segment slug> per
    segment of var segment_definitions, so its columns follow the var (no enforced
    contract: adding, removing or renaming a segment adds, removes or renames a
    column and needs no other edit). -#}
{%- set definitions = segment_definitions() -%}
{{ pii_gate() }}
with

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

membership as (

    select * from {{ ref('segment_membership') }}

),

flags as (

    select
        {%- for definition in definitions %}
            max(case when segment_name = {{ segment_literal(definition.name | string) }} then 1 else 0 end) = 1
                as is_{{ segment_slug(definition.name) }},
        {%- endfor %}
        customer_id

    from membership
    group by customer_id

),

final as (

    select
        customer_segments.customer_id,
        customer_segments.as_of_date,
        {%- for definition in definitions %}
            coalesce(flags.is_{{ segment_slug(definition.name) }}, false) as is_{{ segment_slug(definition.name) }},
        {%- endfor %}
        customer_segments.primary_segment

    from customer_segments
    left join flags
        on customer_segments.customer_id = flags.customer_id

)

select * from final
