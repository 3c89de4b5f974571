{#- Incremental marts computed from the stored histories (one row per as_of_date and
    its previous stored as_of_date: segment_history, int_segments__drift_distances).
    A night stores one more as_of_date, so recomputing every date pair would grow
    with the history (at 1M customers, 6.6 s of drift per stored night). These
    macros recompute only the dates whose inputs changed and remove the rows of date
    pairs that no longer exist; docs/segments.md "History marts" says why this
    equals a full rebuild. -#}

{#- SQL of the as_of_dates to recompute, for the model being built incrementally:
    every date of `expected` (the cheap expected rows: as_of_date, the key columns
    and the compared columns, e.g. member counts) whose rows differ from the stored
    ones in {{ this }} (a row missing on either side, or a compared column
    different), plus the build's own as_of_date and the date after it (`as_of`: a
    relation or CTE with as_of_date), whose inputs this build rewrote. A deletion
    request removes members, which changes a count; a new segment or feature adds
    rows to every date. -#}
{% macro history_dates_to_recompute(expected, key_columns, compared_columns, as_of) -%}
    {%- set keys = ['as_of_date'] + key_columns -%}
    {%- set columns = (keys + compared_columns) | join(', ') -%}
    select coalesce(expected_rows.as_of_date, stored_rows.as_of_date) as as_of_date
    from (select {{ columns }} from {{ expected }}) as expected_rows
    full outer join (select {{ columns }} from {{ this }}) as stored_rows
        on
            {%- for key in keys %}
            {% if not loop.first %}and {% endif %}expected_rows.{{ key }} = stored_rows.{{ key }}
            {%- endfor %}
    where
        expected_rows.as_of_date is null
        or stored_rows.as_of_date is null
        {%- for column in compared_columns %}
        or expected_rows.{{ column }} is distinct from stored_rows.{{ column }}
        {%- endfor %}
    union
    select expected_rows.as_of_date
    from {{ expected }} as expected_rows
    inner join {{ as_of }} as build_as_of
        on
            expected_rows.as_of_date = build_as_of.as_of_date
            or expected_rows.previous_as_of_date = build_as_of.as_of_date
{%- endmacro %}

{#- Post-hook of those marts: delete the rows whose (as_of_date,
    previous_as_of_date) is no longer a pair of consecutive stored dates of
    `history` (delete+insert only replaces dates that still have rows). -#}
{% macro delete_stale_date_pairs(history) -%}
    delete from {{ this }}
    where not exists (
        select 1
        from (
            select
                as_of_date,
                lag(as_of_date) over (order by as_of_date) as previous_as_of_date
            from (select distinct as_of_date from {{ history }}) as stored_dates
        ) as date_pairs
        where
            date_pairs.as_of_date = {{ this.identifier }}.as_of_date
            and date_pairs.previous_as_of_date = {{ this.identifier }}.previous_as_of_date
    )
{%- endmacro %}
