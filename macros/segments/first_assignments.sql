{#- Pre-hook of int_segments__offer_first_assignments (one row per customer and
    offer: the first stored as_of_date of segment_offer_history that assigned it).
    segment_offer_history changes in three ways: a build replaces the slice of its
    own as_of_date, the deletion purge removes a person from every date (and the
    same purge runs on the first assignments), and a --full-refresh keeps only the
    build's date. So the first assignments made before the build's as_of_date stay
    right; this deletes the rest, which the model then recomputes from the slices on
    and after that date. It deletes every row, so that the model recomputes them
    all from every slice, when the table cannot be complete:
    - the history's earliest date is later than the earliest first assignment (a
      --full-refresh of segment_offer_history, or dates removed by hand);
    - a pair of the latest stored slice before the build's date has no first
      assignment: an earlier build deleted its rows and did not append (on
      Snowflake the pre-hook commits on its own, so a model that failed after it
      leaves the table short), or the history was built without this table.
    The second check reads one slice. docs/campaigns.md "Cohorts". -#}
{% macro forget_first_assignments_to_recompute(history, as_of) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            first_assigned_date >= (select as_of_date from {{ as_of }})
            or coalesce(
                (select min(as_of_date) from {{ history }}), cast('9999-12-31' as date)
            ) > (select min(first_assigned_date) from {{ this }})
            or exists (
                select 1
                from {{ history }} as previous_slice
                where
                    previous_slice.as_of_date = (
                        select max(earlier.as_of_date)
                        from {{ history }} as earlier
                        where earlier.as_of_date < (select as_of_date from {{ as_of }})
                    )
                    and not exists (
                        select 1
                        from {{ this }} as known
                        where
                            known.customer_id = previous_slice.customer_id
                            and known.offer_id = previous_slice.offer_id
                    )
            )
    {%- else -%}
        select 1 as nothing_to_forget
    {%- endif -%}
{%- endmacro %}
