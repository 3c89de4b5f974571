{#- Public: per segment, drift feature and stored as_of_date after the first: size
    change and distribution distance versus the previous stored as_of_date.
    Bins: the previous members' values cut at their var segment_drift_bins quantiles
    (ntile maxima, duplicates merged; a value equal to an edge falls in the lower bin,
    values above the previous maximum in the top bin), plus one bin for nulls.
    A bin's share is floored at var segment_drift_epsilon so empty bins stay finite.
    The distances are computed incrementally by int_segments__drift_distances; this
    table adds the size change and the threshold. -#}
{{ pii_gate() }}
with

distances as (

    select * from {{ ref('int_segments__drift_distances') }}

),

final as (

    select
        as_of_date,
        previous_as_of_date,
        segment_name,
        feature_name,
        count_members,
        count_members_previous,
        cast(count_members - count_members_previous as {{ dbt.type_int() }}) as count_members_change,
        cast(count_members - count_members_previous as double)
        / nullif(count_members_previous, 0) as size_change_ratio,
        population_stability_index,
        kl_divergence,
        chi_square,
        coalesce(population_stability_index > {{ var('segment_drift_psi_threshold') }}, false) as is_drifted

    from distances

)

select * from final
