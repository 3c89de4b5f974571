{#- Public: per segment, drift feature and stored as_of_date after the first: size
    change and distribution distance versus the previous stored as_of_date.
    Bins: the previous members' values cut at their var segment_drift_bins quantiles
    (ntile maxima, duplicates merged; a value equal to an edge falls in the lower bin,
    values above the previous maximum in the top bin), plus one bin for nulls.
    A bin's share is floored at var segment_drift_epsilon so empty bins stay finite. -#}
{%- set epsilon = var('segment_drift_epsilon') -%}
{{ pii_gate() }}
with

membership_history as (

    select * from {{ ref('segment_membership_history') }}

),

feature_history as (

    select * from {{ ref('segment_feature_history') }}

),

segment_history as (

    select * from {{ ref('segment_history') }}

),

features as (

    select distinct feature_name from feature_history

),

member_values as (

    select
        membership_history.as_of_date,
        membership_history.segment_name,
        membership_history.customer_id,
        feature_history.feature_name,
        feature_history.feature_value

    from membership_history
    inner join feature_history
        on
            membership_history.as_of_date = feature_history.as_of_date
            and membership_history.customer_id = feature_history.customer_id

),

-- both sides of every comparison: the current and the previous members' values
compared_values as (

    select
        segment_history.as_of_date,
        segment_history.segment_name,
        member_values.customer_id,
        member_values.feature_name,
        member_values.feature_value,
        member_values.as_of_date = segment_history.previous_as_of_date as is_previous

    from segment_history
    inner join member_values
        on
            segment_history.segment_name = member_values.segment_name
            and (
                segment_history.as_of_date = member_values.as_of_date
                or segment_history.previous_as_of_date = member_values.as_of_date
            )

),

previous_tiles as (

    select
        as_of_date,
        segment_name,
        feature_name,
        feature_value,
        ntile({{ var('segment_drift_bins') }}) over (
            partition by as_of_date, segment_name, feature_name order by feature_value
        ) as tile

    from compared_values
    where is_previous and feature_value is not null

),

tile_maxima as (

    select
        as_of_date,
        segment_name,
        feature_name,
        tile,
        max(feature_value) as tile_max_value,
        max(max(feature_value)) over (partition by as_of_date, segment_name, feature_name) as overall_max_value

    from previous_tiles
    group by as_of_date, segment_name, feature_name, tile

),

bin_edges as (

    select distinct
        as_of_date,
        segment_name,
        feature_name,
        tile_max_value as edge_value

    from tile_maxima
    where tile_max_value < overall_max_value

),

binned as (

    select
        compared_values.as_of_date,
        compared_values.segment_name,
        compared_values.feature_name,
        compared_values.is_previous,
        case
            when compared_values.feature_value is null then 0
            else 1 + count(bin_edges.edge_value)
        end as bin_number

    from compared_values
    left join bin_edges
        on
            compared_values.as_of_date = bin_edges.as_of_date
            and compared_values.segment_name = bin_edges.segment_name
            and compared_values.feature_name = bin_edges.feature_name
            and compared_values.feature_value > bin_edges.edge_value
    group by
        compared_values.as_of_date,
        compared_values.segment_name,
        compared_values.feature_name,
        compared_values.is_previous,
        compared_values.customer_id,
        compared_values.feature_value

),

bin_counts as (

    select
        as_of_date,
        segment_name,
        feature_name,
        bin_number,
        sum(case when is_previous then 0 else 1 end) as count_current,
        sum(case when is_previous then 1 else 0 end) as count_previous

    from binned
    group by as_of_date, segment_name, feature_name, bin_number

),

bin_totals as (

    select
        *,
        sum(count_current) over (partition by as_of_date, segment_name, feature_name) as count_current_total,
        sum(count_previous) over (partition by as_of_date, segment_name, feature_name) as count_previous_total

    from bin_counts

),

-- an empty side (segment empty at either date) has no distribution: no distance
bin_shares as (

    select
        *,
        greatest(cast(count_current as double) / count_current_total, {{ epsilon }}) as share_current,
        greatest(cast(count_previous as double) / count_previous_total, {{ epsilon }}) as share_previous

    from bin_totals
    where count_current_total > 0 and count_previous_total > 0

),

distances as (

    select
        as_of_date,
        segment_name,
        feature_name,
        {{ segmentation.exact_sum('(share_current - share_previous) * ln(share_current / share_previous)') }}
            as population_stability_index,
        {{ segmentation.exact_sum('share_current * ln(share_current / share_previous)') }} as kl_divergence,
        {{ segmentation.exact_sum(
            '(count_current - count_current_total * share_previous)'
            ~ ' * (count_current - count_current_total * share_previous)'
            ~ ' / (count_current_total * share_previous)'
        ) }} as chi_square

    from bin_shares
    group by as_of_date, segment_name, feature_name

),

final as (

    select
        segment_history.as_of_date,
        segment_history.previous_as_of_date,
        segment_history.segment_name,
        features.feature_name,
        segment_history.count_members,
        segment_history.count_members_previous,
        cast(segment_history.count_members - segment_history.count_members_previous as {{ dbt.type_int() }})
            as count_members_change,
        cast(segment_history.count_members - segment_history.count_members_previous as double)
        / nullif(segment_history.count_members_previous, 0) as size_change_ratio,
        cast(round(distances.population_stability_index, 10) as double) as population_stability_index,
        cast(round(distances.kl_divergence, 10) as double) as kl_divergence,
        cast(round(distances.chi_square, 10) as double) as chi_square,
        coalesce(distances.population_stability_index > {{ var('segment_drift_psi_threshold') }}, false)
            as is_drifted

    from segment_history
    cross join features
    left join distances
        on
            segment_history.as_of_date = distances.as_of_date
            and segment_history.segment_name = distances.segment_name
            and features.feature_name = distances.feature_name

)

select * from final
