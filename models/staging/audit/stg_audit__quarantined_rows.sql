{#- Every raw row a validation rule rejected, with the rule's reason code and the
    raw values a data steward needs to fix it at the source. Nothing rejected is
    dropped silently: it is here. -#}
{%- set sources = staged_sources() %}

with

{% for s in sources %}
    {{ s.table_name }}_rejected as (

        select
            '{{ s.source_name }}.{{ s.table_name }}' as source_table,
            cast({{ s.natural_key }} as {{ dbt.type_string() }}) as natural_key,
            rejection_reason,
            {{ raw_values_text(s.raw_columns) }} as raw_values,
            cast(row_fingerprint as {{ dbt.type_string() }}) as row_fingerprint,
            _loaded_at

        from {{ ref(s.base_model) }}
        where record_outcome = 'rejected'

    ),

{% endfor %}
unioned as (

    {% for s in sources %}
        select * from {{ s.table_name }}_rejected
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

numbered as (

    select
        *,
        cast(
            row_number() over (partition by source_table, row_fingerprint order by _loaded_at)
            as {{ dbt.type_string() }}
        ) as copy_number

    from unioned

),

final as (

    select
        {{ dbt.hash("source_table || '|' || row_fingerprint || '|' || copy_number") }} as quarantined_row_id,
        source_table,
        natural_key,
        rejection_reason,
        raw_values,
        _loaded_at

    from numbered

)

select * from final
