{#- What deletion requests removed in this build: per entity, the rows in staging,
    the rows that reached the resolved (intermediate) model and the difference,
    which is exactly what belonged to persons with a deletion request ('persons':
    canonical customers before and after deletion). Counts only,
    no identifiers, so the audit itself keeps nobody. -#}
with

components as (

    select * from {{ ref('int_identity__components') }}

),

{%- set entities = [
    ('crm_customers', 'stg_crm__customers', 'int_customers__resolved', 'count_crm_records'),
    ('orders', 'stg_shop__orders', 'int_orders__resolved', none),
    ('web_events', 'stg_web__events', 'int_events__resolved', none),
    ('email_events', 'stg_email__events', 'int_email_events__resolved', none),
] %}

{% for entity, staged, resolved, weight in entities %}
    {{ entity }}_counts as (

        select
            '{{ entity }}' as entity,
            cast((select count(*) from {{ ref(staged) }}) as {{ dbt.type_bigint() }}) as count_rows_staged,
            cast((
                select {{ 'coalesce(sum(' ~ weight ~ '), 0)' if weight else 'count(*)' }}
                from {{ ref(resolved) }}
            ) as {{ dbt.type_bigint() }}) as count_rows_resolved

    ),

{% endfor %}
persons_counts as (

    select
        'persons' as entity,
        cast(
            (select count(distinct customer_id) from components) as {{ dbt.type_bigint() }}
        ) as count_rows_staged,
        cast((select count(*) from {{ ref('int_customers__resolved') }}) as {{ dbt.type_bigint() }})
            as count_rows_resolved

),

unioned as (

    {% for entity, staged, resolved, weight in entities %}
        select * from {{ entity }}_counts
        union all
    {% endfor %}
    select * from persons_counts

),

final as (

    select
        entity,
        count_rows_staged,
        count_rows_resolved,
        count_rows_staged - count_rows_resolved as count_rows_removed
    from unioned

)

select * from final
