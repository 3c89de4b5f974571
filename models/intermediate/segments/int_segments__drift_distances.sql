{#- Per segment, drift feature and stored as_of_date that has a previous one: the
    distances between the members' feature distributions then and now (the
    expensive part of segment_drift, which adds the size change and the threshold).
    Incremental: a build recomputes only the dates whose member counts, previous
    date or binning settings changed, and its own as_of_date and the date after it
    (history_dates_to_recompute); the settings a row was computed with are stored
    (drift_bins, drift_share_floor), so changing them recomputes every date. -#}
-- depends_on: {{ ref('int_as_of_date') }}
{%- set epsilon = var('segment_drift_epsilon') %}
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

membership_history as (

    select * from {{ ref('segment_membership_history') }}

),

-- inlined: read by two CTEs, DuckDB would otherwise materialize it whole (at 1M
-- customers and 31 stored dates, 115.8M rows: the select took 5.7-6.5 s, 2.9-3.0 s
-- inlined), where each reader needs one column or the dates it recomputes
feature_history as {{ inline_cte() }} (

    select * from {{ ref('segment_feature_history') }}

),

segment_history as {{ inline_cte() }} (

    select * from {{ ref('segment_history') }}

),

features as (

    select distinct feature_name from feature_history

),

-- what each row is computed from: the date pair, the member counts at both dates
-- (segment_history) and the binning settings
expected_inputs as (

    select
        segment_history.as_of_date,
        segment_history.previous_as_of_date,
        segment_history.segment_name,
        features.feature_name,
        segment_history.count_members,
        segment_history.count_members_previous,
        cast({{ var('segment_drift_bins') }} as {{ dbt.type_int() }}) as drift_bins,
        cast({{ epsilon }} as double) as drift_share_floor

    from segment_history
    cross join features

),

dates_to_compute as (

    {% if is_incremental() -%}
        {{ history_dates_to_recompute(
            'expected_inputs', ['segment_name', 'feature_name'],
            ['previous_as_of_date', 'count_members', 'count_members_previous', 'drift_bins', 'drift_share_floor'],
            ref('int_as_of_date')
        ) }}
    {%- else -%}
        select distinct as_of_date from expected_inputs
    {%- endif %}

),

computed_pairs as (

    select
        segment_history.as_of_date,
        segment_history.previous_as_of_date,
        segment_history.segment_name,
        segment_history.count_members,
        segment_history.count_members_previous

    from segment_history
    inner join dates_to_compute
        on segment_history.as_of_date = dates_to_compute.as_of_date

),

-- the stored dates the recomputed pairs read: each date and its previous one
dates_read as (

    select as_of_date from computed_pairs
    union
    select previous_as_of_date from computed_pairs

),

-- the feature values of those dates only: the join below implies it, but the engine
-- does not carry the date filter across it and read every stored date (at 1M
-- customers and 31 stored dates, 115.8M rows: the select took 47-68 s, 15-21 s so,
-- the same rows)
feature_values as (

    select
        feature_history.as_of_date,
        feature_history.customer_id,
        feature_history.feature_name,
        feature_history.feature_value

    from feature_history
    inner join dates_read
        on feature_history.as_of_date = dates_read.as_of_date

),

member_values as (

    select
        membership_history.as_of_date,
        membership_history.segment_name,
        membership_history.customer_id,
        feature_values.feature_name,
        feature_values.feature_value

    from membership_history
    inner join dates_read
        on membership_history.as_of_date = dates_read.as_of_date
    inner join feature_values
        on
            membership_history.as_of_date = feature_values.as_of_date
            and membership_history.customer_id = feature_values.customer_id

),

-- both sides of every comparison: the current and the previous members' values
compared_values as (

    select
        computed_pairs.as_of_date,
        computed_pairs.segment_name,
        member_values.customer_id,
        member_values.feature_name,
        member_values.feature_value,
        member_values.as_of_date = computed_pairs.previous_as_of_date as is_previous

    from computed_pairs
    inner join member_values
        on
            computed_pairs.segment_name = member_values.segment_name
            and (
                computed_pairs.as_of_date = member_values.as_of_date
                or computed_pairs.previous_as_of_date = member_values.as_of_date
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

-- the bins as ranges: bin k holds the values in (edge k-1, edge k]; bin 1 has no lower
-- edge and the top bin (one more than the edges) no upper one, so a comparison
-- without edges has a single bin. Each value then joins exactly one range: no
-- per-value count of the edges below it (a 30M-group aggregate at 100k customers
-- and 31 stored dates, 19.6 s of 21 s).
ranked_edges as (

    select
        as_of_date,
        segment_name,
        feature_name,
        edge_value,
        row_number() over (partition by as_of_date, segment_name, feature_name order by edge_value) as edge_rank

    from bin_edges

),

comparisons as (

    select distinct
        as_of_date,
        segment_name,
        feature_name

    from compared_values

),

top_bins as (

    select
        comparisons.as_of_date,
        comparisons.segment_name,
        comparisons.feature_name,
        cast(null as double) as upper_edge,
        coalesce(max(ranked_edges.edge_rank), 0) + 1 as bin_number,
        max(ranked_edges.edge_value) as lower_edge

    from comparisons
    left join ranked_edges
        on
            comparisons.as_of_date = ranked_edges.as_of_date
            and comparisons.segment_name = ranked_edges.segment_name
            and comparisons.feature_name = ranked_edges.feature_name
    group by comparisons.as_of_date, comparisons.segment_name, comparisons.feature_name

),

bin_ranges as (

    select
        as_of_date,
        segment_name,
        feature_name,
        edge_rank as bin_number,
        lag(edge_value) over (
            partition by as_of_date, segment_name, feature_name order by edge_rank
        ) as lower_edge,
        edge_value as upper_edge

    from ranked_edges

    union all

    select
        as_of_date,
        segment_name,
        feature_name,
        bin_number,
        lower_edge,
        upper_edge

    from top_bins

),

-- nulls get bin 0 (a value equal to an edge falls in the lower bin)
binned as (

    select
        compared_values.as_of_date,
        compared_values.segment_name,
        compared_values.feature_name,
        compared_values.is_previous,
        case when compared_values.feature_value is null then 0 else bin_ranges.bin_number end as bin_number

    from compared_values
    left join bin_ranges
        on
            compared_values.as_of_date = bin_ranges.as_of_date
            and compared_values.segment_name = bin_ranges.segment_name
            and compared_values.feature_name = bin_ranges.feature_name
            and (bin_ranges.lower_edge is null or compared_values.feature_value > bin_ranges.lower_edge)
            and (bin_ranges.upper_edge is null or compared_values.feature_value <= bin_ranges.upper_edge)

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
        expected_inputs.as_of_date,
        expected_inputs.previous_as_of_date,
        expected_inputs.segment_name,
        expected_inputs.feature_name,
        expected_inputs.count_members,
        expected_inputs.count_members_previous,
        expected_inputs.drift_bins,
        expected_inputs.drift_share_floor,
        cast(round(distances.population_stability_index, 10) as double) as population_stability_index,
        cast(round(distances.kl_divergence, 10) as double) as kl_divergence,
        cast(round(distances.chi_square, 10) as double) as chi_square

    from expected_inputs
    inner join dates_to_compute
        on expected_inputs.as_of_date = dates_to_compute.as_of_date
    left join distances
        on
            expected_inputs.as_of_date = distances.as_of_date
            and expected_inputs.segment_name = distances.segment_name
            and expected_inputs.feature_name = distances.feature_name

)

select * from final
