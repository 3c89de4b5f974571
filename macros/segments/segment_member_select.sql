{#-
    segment_member_select(definition): a select over the `customers` CTE of
    segment_membership returning the members of one validated segment definition:
    customer_id, as_of_date, segment_name, segment_kind, segment_priority,
    segment_score (percentile: percent_rank over the non-null values, ties share
    the lowest rank; other kinds: null). A null column never qualifies.
-#}
{% macro segment_member_select(definition) %}
    {%- set rule = definition.rule -%}
    {%- set name_literal = segment_literal(definition.name | string) -%}
    {%- if definition.kind == 'percentile' -%}
        {%- set direction = rule.get('direction', 'top') -%}
        {%- set cutoff = rule.percentile / 100.0 -%}
    select
        customer_id,
        as_of_date,
        {{ name_literal }} as segment_name,
        'percentile' as segment_kind,
        cast({{ definition.priority }} as {{ dbt.type_int() }}) as segment_priority,
        cast(segment_score as double) as segment_score
    from (
        select
            customer_id,
            as_of_date,
            percent_rank() over (order by {{ rule.column }}) as segment_score
        from customers
        where {{ rule.column }} is not null
    ) as ranked_{{ segment_slug(definition.name) }}
    where segment_score {{ '>=' if direction == 'top' else '<=' }} {{ cutoff }}
    {%- else -%}
    select
        customer_id,
        as_of_date,
        {{ name_literal }} as segment_name,
        {{ segment_literal(definition.kind) }} as segment_kind,
        cast({{ definition.priority }} as {{ dbt.type_int() }}) as segment_priority,
        cast(null as double) as segment_score
    from customers
    where
        {%- if definition.kind == 'threshold' %}
        {%- for condition in rule %}
        {{ 'and ' if not loop.first }}coalesce({{ condition.column }} {{ condition.operator }} {{ segment_literal(condition.value) }}, false)
        {%- endfor %}
        {%- elif definition.kind == 'rfm' %}
        rfm_segment_name in ({% for name in rule.rfm_segments %}{{ segment_literal(name) }}{{ ', ' if not loop.last }}{% endfor %})
        {%- elif definition.kind == 'cluster' %}
        segment_cluster_id in ({{ rule.cluster_ids | join(', ') }})
        {%- endif %}
    {%- endif %}
{% endmacro %}
