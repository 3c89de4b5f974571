{#- Row conservation in staging: for every staged source table,
      raw rows = kept + rejected + exact duplicates + near duplicates + superseded
      versions,
    the quarantine holds exactly the rejected rows, and the staging model holds
    exactly the kept rows. Returns one row per violated equation. -#}
{%- set sources = staged_sources() %}

with

{% for s in sources %}
    {{ s.table_name }}_counts as (

        select
            '{{ s.source_name }}.{{ s.table_name }}' as source_table,
            (
                select count(*) from (
                    {{ optional_source(
                        s.source_name, s.table_name, [('_loaded_at', dbt.type_timestamp())],
                        s.get('is_point_in_time', true)
                    ) }}
                ) as raw_table
            ) as raw_rows,
            (
                select sum(row_count) from {{ ref('stg_audit__record_outcomes') }}
                where source_table = '{{ s.source_name }}.{{ s.table_name }}'
            ) as accounted_rows,
            (
                select coalesce(sum(row_count), 0) from {{ ref('stg_audit__record_outcomes') }}
                where source_table = '{{ s.source_name }}.{{ s.table_name }}' and record_outcome = 'rejected'
            ) as rejected_rows,
            (
                select count(*) from {{ ref('stg_audit__quarantined_rows') }}
                where source_table = '{{ s.source_name }}.{{ s.table_name }}'
            ) as quarantined_rows,
            (
                select coalesce(sum(row_count), 0) from {{ ref('stg_audit__record_outcomes') }}
                where source_table = '{{ s.source_name }}.{{ s.table_name }}' and record_outcome = 'kept'
            ) as kept_rows,
            (select count(*) from {{ ref(s.stg_model) }}) as staged_rows

    ),

{% endfor %}
all_counts as (

    {% for s in sources %}
        select * from {{ s.table_name }}_counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

validation_errors as (

    select *
    from all_counts
    where
        raw_rows != accounted_rows
        or rejected_rows != quarantined_rows
        or kept_rows != staged_rows

)

select * from validation_errors
