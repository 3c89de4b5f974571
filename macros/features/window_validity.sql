{#- Customer-grain features over trailing windows, kept incrementally.

    A windowed feature as of date A reads the customer's input rows dated d with
    d <= A and A - d < w (the window (A - w, A]). Between two as_of dates its value
    can only change when a row enters (A reaches d) or leaves a window (A reaches
    d + w). So a customer's row computed as of A stays right for every as_of in
    [features_valid_from, features_recompute_on):
      - features_valid_from: the latest of those dates on or before A (null: none,
        the row is right for every earlier as_of);
      - features_recompute_on: the earliest after A (null: none ever).
    Both are functions of the input rows and A alone: a row kept from an earlier
    night holds the same two dates that a rebuild as of tonight computes, because
    no date lies between the two as_of dates (else it would have been recomputed).
    So a sequence of nightly runs and a full rebuild store the same table, and the
    as_of date may move either way (a past as_of recomputes only the customers whose
    interval it leaves).

    What else changes a row is a change of its input rows (a late event, a
    session rebuilt, an identity change that moves sessions) or of the config that
    shapes the windows: inputs_fingerprint covers both (window_inputs_hash() per
    input row, summed per customer; window_inputs_fingerprint()).

    window_valid_from() and window_recompute_on() are the two aggregates a model
    computes per customer over its input rows. -#}

{#- The select list of a one-row CTE of the bounds the interval aggregates
    compare with: as_of_date (from `as_of_date`) and as_of_minus_<w>d for each of
    `windows_days` (a row dated on or before it has left window w). -#}
{% macro window_bounds(as_of_date, windows_days) -%}
    {{ as_of_date }} as as_of_date
    {%- for window_days in windows_days | sort %},
    cast({{ dbt.dateadd('day', -window_days, as_of_date) }} as date) as as_of_minus_{{ window_days }}d
    {%- endfor %}
{%- endmacro %}

{#- Aggregates over a customer's input rows (dated `row_date`, cross-joined with
    the window_bounds() row `bounds`), both dates: a row's entry and exits are its
    date d and d + w for each window w, so the latest on or before the as_of date
    is the greatest of max(d <= as_of) and, per window, max(d <= as_of - w) + w;
    the earliest after it the least of min(d > as_of) and min(d > as_of - w) + w.
    Written so, each input row is only compared with constants (the date arithmetic
    runs once per customer; in the lab at 1M a per-row CASE with date arithmetic
    took about as long). greatest() and least() get a sentinel for an empty part,
    since Snowflake's return null when any argument is null. -#}
{% macro window_valid_from(row_date, bounds, windows_days) -%}
    {{ segmentation.window_interval_end(
        row_date, bounds, windows_days, 'max', '<=', 'greatest', segmentation.window_date_floor()
    ) }}
{%- endmacro %}

{% macro window_recompute_on(row_date, bounds, windows_days) -%}
    {{ segmentation.window_interval_end(
        row_date, bounds, windows_days, 'min', '>', 'least', segmentation.window_date_ceiling()
    ) }}
{%- endmacro %}

{#- The body of both: `pick` (max, min) of the rows compared by `comparison` (<=,
    >) with the as_of date and with each as_of - w (plus w), combined by `combine`
    (greatest, least) around the `sentinel`. -#}
{% macro window_interval_end(row_date, bounds, windows_days, pick, comparison, combine, sentinel) -%}
    {%- set parts = [] -%}
    {#- 0: the row's own date against the as_of date -#}
    {%- for window_days in [0] + (windows_days | sort) -%}
        {%- set bound = bounds ~ ('.as_of_date' if window_days == 0 else '.as_of_minus_' ~ window_days ~ 'd') -%}
        {%- set picked = pick ~ '(case when ' ~ row_date ~ ' ' ~ comparison ~ ' ' ~ bound
            ~ ' then ' ~ row_date ~ ' end)' -%}
        {%- if window_days != 0 -%}
            {%- set picked = 'cast(' ~ dbt.dateadd('day', window_days, picked) ~ ' as date)' -%}
        {%- endif -%}
        {%- do parts.append('coalesce(' ~ picked ~ ', ' ~ sentinel ~ ')') -%}
    {%- endfor -%}
    nullif({{ combine }}({{ parts | join(', ') }}), {{ sentinel }})
{%- endmacro %}

{#- The sentinels of window_valid_from() and window_recompute_on(): no input date
    comes near them. -#}
{% macro window_date_floor() -%}
    cast('1000-01-01' as date)
{%- endmacro %}

{% macro window_date_ceiling() -%}
    cast('9000-01-01' as date)
{%- endmacro %}

{#- A 64-bit hash of one input row: `source` (a text literal naming the input, so
    equal rows of two inputs differ) and every column in `columns` the features
    read. Summed per customer, it gives the exact fingerprint of the set of rows
    (with repeats) whatever their order: DuckDB sums into HUGEINT, Snowflake into
    NUMBER(38,0), as identity_versions() does. -#}
{% macro window_inputs_hash(source, columns) -%}
    hash('{{ source }}', {{ columns | join(', ') }})
{%- endmacro %}

{#- inputs_fingerprint from the per-customer sum of window_inputs_hash()
    (`hash_sum`, null for a customer without input rows) and the hash of `config`,
    a text that changes with every setting shaping the windows (a changed setting
    makes every fingerprint new, so every row is recomputed): the two numbers as
    text, '<config hash>:<sum>'. Text, not a number type: Snowflake's NUMBER(38,0)
    would hold the sum, but the emulator's casts stop at 64 bits; and not an md5
    digest: nothing else reads it, and md5 of a million sums was a tenth of the
    incremental run (lab, 1M customers). -#}
{% macro window_inputs_fingerprint(hash_sum, config) -%}
    cast(hash('{{ config | replace("'", "''") }}') as {{ dbt.type_string() }})
    || ':' || cast(coalesce({{ hash_sum }}, 0) as {{ dbt.type_string() }})
{%- endmacro %}

{#- The body of the CTE listing the customers an incremental run of a windowed
    feature table recomputes. `current` (customer_id, identity_version,
    inputs_fingerprint: every current customer) is compared with the stored row:
    a customer without one (new), with another identity_version or
    inputs_fingerprint, or whose stored [features_valid_from,
    features_recompute_on) does not hold `as_of` (a relation or CTE with
    as_of_date). Deleted persons go through the post-hook
    purge_stale_customer_rows(). -#}
{% macro customers_with_stale_windows(current, as_of) -%}
    select current_inputs.customer_id
    from {{ current }} as current_inputs
    cross join {{ as_of }} as as_of
    left join {{ this }} as stored
        on current_inputs.customer_id = stored.customer_id
    where
        stored.customer_id is null
        or stored.identity_version is null
        or current_inputs.identity_version is null
        or stored.identity_version <> current_inputs.identity_version
        or stored.inputs_fingerprint <> current_inputs.inputs_fingerprint
        or as_of.as_of_date < stored.features_valid_from
        or as_of.as_of_date >= stored.features_recompute_on
{%- endmacro %}

{#- The columns customers_with_stale_windows() reads from the stored table. A
    table without one of them (built by an earlier version of the project) is
    rebuilt whole. -#}
{% macro window_state_columns() -%}
    {{ return(['identity_version', 'inputs_fingerprint', 'features_valid_from', 'features_recompute_on']) }}
{%- endmacro %}

{#- Whether an incremental run of a windowed feature table can keep stored rows:
    is_incremental() and the stored table has every window_state_columns(). Called
    unqualified by the models, so a unit test of the incremental path can override
    it. -#}
{% macro windows_kept_incrementally() -%}
    {#- unit tests have no stored table (`this` is none): they test the full build -#}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(segmentation.stored_columns_missing(segmentation.window_state_columns()) | length == 0) }}
{%- endmacro %}
