{#- The single date every feature and segment is computed as of (inclusive).
    as_of() when set (var as_of or the environment variable SEG_AS_OF); otherwise
    the latest order date (any status) or web/app event date in the data, so a
    build on the same data always gives the same answer.
    Reads the orders and events only when as_of is unset (decided when the
    project is parsed): with a fixed as_of, nothing that needs the date waits for
    the staging of the web events. -#}
{%- set as_of = segmentation.as_of() %}
with

{% if as_of is none %}
    orders as (

        select * from {{ ref('stg_shop__orders') }}

    ),

    events as (

        select * from {{ ref('int_events__resolved') }}

    ),

    activity_dates as (

        select ordered_date as activity_date from orders
        union all
        select occurred_date as activity_date from events

    ),
{% endif %}

final as (

    {% if as_of is not none -%}
        -- one row even when the data holds no activity at all
        -- validate_vars() (on-run-start) has checked it is a date YYYY-MM-DD
        select cast({{ sql_string(as_of | string) }} as date) as as_of_date
    {%- else -%}
        select cast(max(activity_date) as date) as as_of_date
        from activity_dates
    {%- endif %}

)

select * from final
