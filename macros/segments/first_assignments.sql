{#- Pre-hook of int_segments__offer_first_assignments (one row per customer and
    offer: the first stored as_of_date of segment_offer_history that assigned it).
    segment_offer_history changes in three ways: a build replaces the slice of its
    own as_of_date, the deletion purge removes a person from every date (and the
    same purge runs on the first assignments), and a --full-refresh keeps only the
    build's date. So the first assignments made before the build's as_of_date stay
    right, unless the history lost its earlier dates; this deletes the rest, which
    the model then recomputes from the slices on and after that date, and deletes
    every row when the history's earliest date is later than the earliest first
    assignment (a --full-refresh of segment_offer_history, or dates removed by
    hand), so the model recomputes them all. docs/campaigns.md "Cohorts". -#}
{% macro forget_first_assignments_to_recompute(history, as_of) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            first_assigned_date >= (select as_of_date from {{ as_of }})
            or coalesce(
                (select min(as_of_date) from {{ history }}), cast('9999-12-31' as date)
            ) > (select min(first_assigned_date) from {{ this }})
    {%- else -%}
        select 1 as nothing_to_forget
    {%- endif -%}
{%- endmacro %}
