{#- Public: per segment and stored as_of_date after the first, the members who
    entered and exited since the previous stored as_of_date. Incremental: a build
    recomputes only the dates whose member counts or previous date changed, and
    its own as_of_date and the date after it (history_dates_to_recompute). -#}
{{ pii_gate() }}
-- depends_on: {{ ref('int_as_of_date') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='fail',
        post_hook="{{ delete_stale_date_pairs(ref('segment_membership_history')) }}",
    )
}}
with

-- inlined: read by five CTEs, DuckDB would otherwise materialize every stored date
-- whole, where most readers need one or two columns and the entries and exits only
-- the dates they recompute
membership_history as {{ inline_cte() }} (

    select * from {{ ref('segment_membership_history') }}

),

as_of_dates as (

    select distinct as_of_date from membership_history

),

date_pairs as (

    select
        as_of_date,
        lag(as_of_date) over (order by as_of_date) as previous_as_of_date

    from as_of_dates

),

segment_names as (

    select distinct segment_name from membership_history

),

segment_pairs as (

    select
        date_pairs.as_of_date,
        date_pairs.previous_as_of_date,
        segment_names.segment_name

    from date_pairs
    cross join segment_names
    where date_pairs.previous_as_of_date is not null

),

-- one cheap pass over the history: members per stored date and segment
member_counts as (

    select
        as_of_date,
        segment_name,
        count(*) as count_members

    from membership_history
    group by as_of_date, segment_name

),

expected_counts as (

    select
        segment_pairs.as_of_date,
        segment_pairs.previous_as_of_date,
        segment_pairs.segment_name,
        cast(coalesce(current_counts.count_members, 0) as {{ dbt.type_int() }}) as count_members,
        cast(coalesce(previous_counts.count_members, 0) as {{ dbt.type_int() }}) as count_members_previous

    from segment_pairs
    left join member_counts as current_counts
        on
            segment_pairs.as_of_date = current_counts.as_of_date
            and segment_pairs.segment_name = current_counts.segment_name
    left join member_counts as previous_counts
        on
            segment_pairs.previous_as_of_date = previous_counts.as_of_date
            and segment_pairs.segment_name = previous_counts.segment_name

),

dates_to_compute as (

    {% if is_incremental() -%}
        {{ history_dates_to_recompute(
            'expected_counts', ['segment_name'], ['previous_as_of_date', 'count_members', 'count_members_previous'],
            ref('int_as_of_date')
        ) }}
    {%- else -%}
        select distinct as_of_date from expected_counts
    {%- endif %}

),

computed_pairs as (

    select
        segment_pairs.as_of_date,
        segment_pairs.previous_as_of_date,
        segment_pairs.segment_name

    from segment_pairs
    inner join dates_to_compute
        on segment_pairs.as_of_date = dates_to_compute.as_of_date

),

current_members as (

    select
        computed_pairs.as_of_date,
        computed_pairs.segment_name,
        membership_history.customer_id

    from computed_pairs
    inner join membership_history
        on
            computed_pairs.as_of_date = membership_history.as_of_date
            and computed_pairs.segment_name = membership_history.segment_name

),

previous_members as (

    select
        computed_pairs.as_of_date,
        computed_pairs.segment_name,
        membership_history.customer_id

    from computed_pairs
    inner join membership_history
        on
            computed_pairs.previous_as_of_date = membership_history.as_of_date
            and computed_pairs.segment_name = membership_history.segment_name

),

transitions as (

    select
        coalesce(current_members.as_of_date, previous_members.as_of_date) as as_of_date,
        coalesce(current_members.segment_name, previous_members.segment_name) as segment_name,
        current_members.customer_id is not null as is_current_member,
        previous_members.customer_id is not null as is_previous_member

    from current_members
    full outer join previous_members
        on
            current_members.as_of_date = previous_members.as_of_date
            and current_members.segment_name = previous_members.segment_name
            and current_members.customer_id = previous_members.customer_id

),

counted as (

    select
        as_of_date,
        segment_name,
        sum(case when is_current_member then 1 else 0 end) as count_members,
        sum(case when is_previous_member then 1 else 0 end) as count_members_previous,
        sum(case when is_current_member and not is_previous_member then 1 else 0 end) as count_entries,
        sum(case when is_previous_member and not is_current_member then 1 else 0 end) as count_exits,
        sum(case when is_current_member and is_previous_member then 1 else 0 end) as count_retained

    from transitions
    group by as_of_date, segment_name

),

final as (

    select
        computed_pairs.as_of_date,
        computed_pairs.previous_as_of_date,
        computed_pairs.segment_name,
        cast(coalesce(counted.count_members, 0) as {{ dbt.type_int() }}) as count_members,
        cast(coalesce(counted.count_members_previous, 0) as {{ dbt.type_int() }}) as count_members_previous,
        cast(coalesce(counted.count_entries, 0) as {{ dbt.type_int() }}) as count_entries,
        cast(coalesce(counted.count_exits, 0) as {{ dbt.type_int() }}) as count_exits,
        cast(coalesce(counted.count_retained, 0) as {{ dbt.type_int() }}) as count_retained

    from computed_pairs
    left join counted
        on
            computed_pairs.as_of_date = counted.as_of_date
            and computed_pairs.segment_name = counted.segment_name

)

select * from final
