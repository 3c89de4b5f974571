{#- Fairness check: how each demographic group is represented in each segment
    compared with the whole customer base. representation_ratio = share of the
    group inside the segment / share of the group among all customers. Ratios
    below var fairness_min_ratio (0.8, the "four-fifths rule") or above its inverse
    are flagged for review: a segment used for offers should not quietly exclude
    a group. -#}
{#- analyses are compiled without the on-run-start hooks: check the vars here -#}
{%- if execute %}{% do segmentation.validate_vars() %}{% endif -%}
{%- set min_ratio = var('fairness_min_ratio', 0.8) -%}
{%- set group_columns = var('fairness_group_columns', ['gender', 'income_band', 'age_band']) -%}

with

features as (

    select * from {{ ref('customer_features') }}

),

members as (

    select * from {{ ref('segment_membership') }}

),

{% for group_column in group_columns %}
    {{ group_column }}_population as (

        select
            '{{ group_column }}' as group_column,
            coalesce(cast({{ group_column }} as {{ dbt.type_string() }}), 'unknown') as group_value,
            count(*) * 1.0 / sum(count(*)) over () as population_share
        from features
        group by coalesce(cast({{ group_column }} as {{ dbt.type_string() }}), 'unknown')

    ),

    {{ group_column }}_segments as (

        select
            members.segment_name,
            '{{ group_column }}' as group_column,
            coalesce(cast(features.{{ group_column }} as {{ dbt.type_string() }}), 'unknown') as group_value,
            count(*) as members_in_group,
            count(*) * 1.0 / sum(count(*)) over (partition by members.segment_name) as segment_share
        from members
        inner join features
            on members.customer_id = features.customer_id
        group by
            members.segment_name,
            coalesce(cast(features.{{ group_column }} as {{ dbt.type_string() }}), 'unknown')

    ),

{% endfor %}
joined as (

    {% for group_column in group_columns %}
        select
            segments.segment_name,
            segments.group_column,
            segments.group_value,
            segments.members_in_group,
            segments.segment_share,
            population.population_share,
            segments.segment_share / population.population_share as representation_ratio
        from {{ group_column }}_segments as segments
        inner join {{ group_column }}_population as population
            on segments.group_value = population.group_value
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    *,
    representation_ratio < {{ min_ratio }}
    or representation_ratio > {{ 1.0 / min_ratio }} as needs_review
from joined
order by segment_name, group_column, group_value
