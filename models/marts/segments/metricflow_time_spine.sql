{#- Daily date spine the dbt semantic layer (MetricFlow) requires: 10,000 days from
    var segment_time_spine_start_date. -#}
{{ pii_gate() }}
{%- set spine_start_literal = segmentation.sql_string(var('segment_time_spine_start_date')) %}
with

digits as (

    {% for digit in range(10) %}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

day_offsets as (

    select thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit as day_offset

    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

final as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_offset', "cast(" ~ spine_start_literal ~ " as date)") }}
            as date
        ) as date_day

    from day_offsets

)

select * from final
