{#- Public: per segment and stored as_of_date after the first, the members who
    entered and exited since the previous stored as_of_date. -#}
{{ pii_gate() }}
with

membership_history as (

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

current_members as (

    select
        segment_pairs.as_of_date,
        segment_pairs.segment_name,
        membership_history.customer_id

    from segment_pairs
    inner join membership_history
        on
            segment_pairs.as_of_date = membership_history.as_of_date
            and segment_pairs.segment_name = membership_history.segment_name

),

previous_members as (

    select
        segment_pairs.as_of_date,
        segment_pairs.segment_name,
        membership_history.customer_id

    from segment_pairs
    inner join membership_history
        on
            segment_pairs.previous_as_of_date = membership_history.as_of_date
            and segment_pairs.segment_name = membership_history.segment_name

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
        segment_pairs.as_of_date,
        segment_pairs.previous_as_of_date,
        segment_pairs.segment_name,
        cast(coalesce(counted.count_members, 0) as {{ dbt.type_int() }}) as count_members,
        cast(coalesce(counted.count_members_previous, 0) as {{ dbt.type_int() }}) as count_members_previous,
        cast(coalesce(counted.count_entries, 0) as {{ dbt.type_int() }}) as count_entries,
        cast(coalesce(counted.count_exits, 0) as {{ dbt.type_int() }}) as count_exits,
        cast(coalesce(counted.count_retained, 0) as {{ dbt.type_int() }}) as count_retained

    from segment_pairs
    left join counted
        on
            segment_pairs.as_of_date = counted.as_of_date
            and segment_pairs.segment_name = counted.segment_name

)

select * from final
