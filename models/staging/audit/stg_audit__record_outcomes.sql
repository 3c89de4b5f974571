{#- How many raw rows of each source were kept, rejected, collapsed as exact
    duplicates or superseded by a newer version. The counts add up to the raw row
    count (tested by assert_rows_conserved_in_staging). -#}
{%- set sources = staged_sources() %}

with

{% for s in sources %}
    {{ s.table_name }}_outcomes as (

        select
            '{{ s.source_name }}.{{ s.table_name }}' as source_table,
            record_outcome,
            count(*) as row_count

        from {{ ref(s.base_model) }}
        group by 1, 2

    ),

{% endfor %}
final as (

    {% for s in sources %}
        select * from {{ s.table_name }}_outcomes
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
