{#- Load-time incremental base models (issue "Performance"): a nightly run types,
    validates and dedupes only the rows of the natural keys that the new delivery
    touched, instead of every raw row ever delivered.

    A base model is `materialized: incremental` with `incremental_strategy:
    replace_delivered_keys`, `unique_key` its natural key and the pre-hook
    forget_stale_rows(); its `typed` CTE reads the raw rows through
    delivered_source_ctes(), which restricts them on incremental runs. A run:
      1. reads the watermark, the greatest `_loaded_at` stored (delivery_watermark);
      2. types and validates the delivered raw rows: those loaded at or after the
         watermark, or without a valid `_loaded_at` (re-read every run: their load
         time cannot say whether they are new); their natural keys are the
         delivered keys;
      3. adds the older rows of those keys, loaded before the watermark, from the
         stored table, where they are already typed and validated
         (record_outcome_ctes: `stored_versions`), and decides every row's outcome
         again; the base models whose stored rows the erasure hook blanks (CRM
         customers, orders: reread_erased) read the older rows from the raw files
         instead, with those of the keys the hook blanked;
      4. replaces the stored rows of those keys, and the stored copies of the
         key-less rows it read again, by the result
         (get_incremental_replace_delivered_keys_sql).
    The outcome of a row depends only on the rows of its key (record_outcome()), and
    a stored row is what the model computed from its raw row, so the table stays
    equal to a full rebuild; re-reading the rows at the watermark itself makes a
    repeated run harmless. A build whose as_of load cut-off lies at or before the
    watermark (a past as_of on a database that knows later rows) empties the table
    first and rebuilds it whole (the pre-hook).
    Assumes what the raw contract says: a delivery's `_loaded_at` is its load time,
    so rows delivered later carry a later one; a delivery removed or rewritten in
    place, or a change to a base model's typing or validation (a var such as
    web_event_types), needs `dbt build --full-refresh` (docs/staging.md). -#}

{#- The greatest load time stored in the incremental model being built
    (loaded_watermark of `loaded_at`), as a SQL timestamp literal, read when the
    model compiles for execution; none (every input row is processed) on a full
    build, on an empty table, or when the stored rows are stale
    (stored_rows_are_stale: for a base model the pre-hook forget_stale_rows()
    then empties the table, so the run rebuilds it whole). Base models use
    `_loaded_at`; the event sessions their `source_loaded_at`. Read once per
    model compilation: the answer is kept in the compiling model's `model`
    context (a dict dbt builds for each compilation, not the manifest's node),
    so delivered_source_ctes() and record_outcome_ctes() share one answer. -#}
{% macro delivery_watermark(required_columns=[], loaded_at='_loaded_at') -%}
    {#- unit tests have no stored table (`this` is none): they test the full build -#}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set memo_key = 'segmentation_delivery_watermark|' ~ loaded_at ~ '|' ~ required_columns | join(',') -%}
    {%- if model is mapping and memo_key in model -%}
        {{ return(model[memo_key]) }}
    {%- endif -%}
    {%- set watermark = none -%}
    {%- if not segmentation.stored_rows_are_stale(required_columns, loaded_at) -%}
        {%- set query -%}
            select {{ segmentation.timestamp_text(segmentation.loaded_watermark(loaded_at)) }}
            from {{ this }}
        {%- endset -%}
        {%- set stored = run_query(query).rows[0][0] -%}
        {%- if stored is not none -%}
            {%- set watermark = "cast('" ~ stored ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
        {%- endif -%}
    {%- endif -%}
    {%- if model is mapping -%}
        {%- do model.update({memo_key: watermark}) -%}
    {%- endif -%}
    {{ return(watermark) }}
{%- endmacro %}

{#- A timestamp as text with all six fractional digits, so that the watermark
    literal built from it is the stored value exactly: an engine's default text
    form may round to milliseconds (Snowflake's output format has FF3), and a
    watermark rounded up would skip a row loaded within the rounding. -#}
{% macro timestamp_text(expression) -%}
    {{ return(adapter.dispatch('timestamp_text', 'segmentation')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_text(expression) -%}
    to_char({{ expression }}, 'YYYY-MM-DD HH24:MI:SS.FF6')
{%- endmacro %}

{% macro duckdb__timestamp_text(expression) -%}
    strftime({{ expression }}, '%Y-%m-%d %H:%M:%S.%f')
{%- endmacro %}

{#- Whether the stored table of the incremental model being built must be
    rebuilt whole: it lacks one of `required_columns` (built by an earlier version
    of the project), or, with as_of set, it holds rows loaded (`loaded_at`) at or
    after the as_of load cut-off (a past as_of on a database that knows later
    rows). Read with run_query; false on a full build. The one rule both
    delivery_watermark() (when the model compiles) and the pre-hook
    forget_stale_rows() (when it runs) apply, so they cannot disagree. -#}
{% macro stored_rows_are_stale(required_columns=[], loaded_at='_loaded_at') -%}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if segmentation.stored_columns_missing(required_columns) -%}
        {{ return(true) }}
    {%- endif -%}
    {%- if segmentation.as_of() is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select case when max({{ loaded_at }}) >= {{ segmentation.as_of_load_cutoff() }} then 1 else 0 end
        from {{ this }}
    {%- endset -%}
    {{ return(run_query(query).rows[0][0] == 1) }}
{%- endmacro %}

{#- The aggregate giving an incremental table's watermark from its load-time
    column: the greatest load time not after this invocation's start (dbt's
    run_started_at, UTC). A row claiming a later load time (a clock error, a
    9999-12-31 default) would otherwise raise the watermark past every real
    delivery to come, and a build without as_of (no load cut-off) would skip them
    all; left out of the watermark, such a row is simply read again by every run,
    which is harmless. -#}
{% macro loaded_watermark(column) -%}
    max(case when {{ column }} <= {{ segmentation.run_started_at_utc() }} then {{ column }} end)
{%- endmacro %}

{#- This invocation's start (dbt's run_started_at, UTC), as a timestamp literal. -#}
{% macro run_started_at_utc() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The names among `columns` that the stored table of the model being built lacks
    (compared case-insensitively). -#}
{% macro stored_columns_missing(columns) -%}
    {%- if not columns -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return(columns | reject('in', stored) | list) }}
{%- endmacro %}

{#- The CTE a base model's `typed` CTE reads instead of `source_cte`:
    `delivered_source`, the raw rows to type (see above). On a full build, or
    without a watermark, every raw row (a pass-through, inlined). On an incremental
    run the rows loaded at or after the watermark or without a valid load time,
    found on the raw rows before anything is typed (only the load time is computed
    for every raw row), `delivered_keys`, their natural keys, and
    `stored_versions`, the older rows of those keys from the stored table
    (stored_versions_cte; record_outcome_ctes() adds them to the validated
    rows). With reread_erased, `delivered_source` is instead every raw row of the
    delivered keys and of the keys whose stored rows the erasure hook blanked
    (whatever their load time: the stored copies may be blanked), plus the
    delivered rows without a key. Kept once (materialized_cte()):
    record_outcome_ctes() reads the typed rows three times. At 1M customers the nightly select of
    base_web__events took 8.8 s reading the older rows from the raw files (every
    raw key trimmed and looked up) and 4.5 s reading them from the stored table
    (lab, the bench's nightly database, same rows: except all both ways 0).
    Arguments: the raw rows' CTE; the natural key's stored column name; the same
    key computed from raw columns exactly as `typed` computes it (raw_key); the
    load time computed from raw columns as `typed` computes `_loaded_at`
    (loaded_at); reread_erased (pass the same to record_outcome_ctes). -#}
{% macro delivered_source_ctes(source_cte, natural_key, raw_key, loaded_at, reread_erased=false) -%}
{%- set watermark = segmentation.delivery_watermark(['is_pii_erased'] if reread_erased else []) -%}
{%- set is_delivered -%}
    ({{ loaded_at }} is null or {{ loaded_at }} >= {{ watermark }})
{%- endset -%}
{%- if watermark is none %}
delivered_source as {{ segmentation.inline_cte() }} (

    select * from {{ source_cte }}

),
{%- elif not reread_erased %}
delivered_source as {{ segmentation.materialized_cte() }} (

    select {{ source_cte }}.*
    from {{ source_cte }}
    where {{ is_delivered }}

),

delivered_keys as (

    select distinct {{ raw_key }} as delivered_key
    from delivered_source
    where {{ raw_key }} is not null

),

{{ segmentation.stored_versions_cte(natural_key, watermark) }}
{%- else %}
delivered_keys as (

    select {{ raw_key }} as delivered_key
    from {{ source_cte }}
    where
        {{ raw_key }} is not null
        and {{ is_delivered }}
    union
    -- rows the erasure hook blanked: a full rebuild reads their raw values before
    -- erasing them again, and identity resolution must see the same
    select {{ natural_key }}
    from {{ this }}
    where is_pii_erased

),

delivered_source as {{ segmentation.materialized_cte() }} (

    select {{ source_cte }}.*
    from {{ source_cte }}
    where
        {{ raw_key }} in (select delivered_key from delivered_keys)
        or ({{ raw_key }} is null and {{ is_delivered }})

),
{%- endif %}
{%- endmacro %}

{#- The older rows of the delivered keys, from the stored table (loaded before the
    watermark; those at or after it, or without a load time, are in
    delivered_source already), with the columns of the model's validated rows:
    every stored column but those record_outcome_ctes() adds
    (record_outcome_columns()). Rendered by delivered_source_ctes() on an
    incremental run without reread_erased; `watermark` is delivery_watermark()'s
    literal. -#}
{% macro stored_versions_cte(natural_key, watermark) -%}
{%- set outcome_columns = segmentation.record_outcome_columns() -%}
{%- set columns = [] -%}
{%- for column in adapter.get_columns_in_relation(this) if column.name | lower not in outcome_columns -%}
    {%- do columns.append(adapter.quote(column.name)) -%}
{%- endfor %}
stored_versions as {{ segmentation.materialized_cte() }} (

    select {{ columns | join(', ') }}
    from {{ this }}
    where
        {{ natural_key }} in (select delivered_key from delivered_keys)
        and _loaded_at < {{ watermark }}

),
{%- endmacro %}

{#- Fails compilation when a base model (a model calling record_outcome_ctes())
    does not read its raw rows through delivered_source_ctes(): incremental, it
    would still be right (every key replaced), but a nightly run would type every
    raw row ever delivered. Checked on the raw code when the project is parsed
    (the materialization set in YAML is not known then), so every base model calls
    it; on a table it passes every row. Called by record_outcome_ctes(), so a new
    source cannot miss it. -#}
{% macro assert_reads_delivered_source() -%}
    {%- set raw_code = segmentation.model_raw_code() -%}
    {%- if raw_code and 'segmentation.delivered_source_ctes(' not in raw_code -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ': a base model reads its raw rows through '
            ~ '{{ segmentation.delivered_source_ctes(...) }} and its typed CTE selects from '
            ~ 'delivered_source (macros/staging/delivered_rows.sql)'
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the incremental tables: empty the stored table when its rows are
    stale (stored_rows_are_stale: a needed column is missing, or it holds rows
    this build's as_of must not see; on_schema_change then adds the column); the
    run rebuilds every row, as delivery_watermark() decided when the model
    compiled. The base models read their own `_loaded_at`; the per-customer
    feature tables pass loaded_at='source_loaded_at', so a past as_of on a
    database that knows later loads rebuilds them whole rather than leaving rows
    of the later loads that nothing re-processes. One statement; nothing
    otherwise. -#}
{% macro forget_stale_rows(required_columns=[], loaded_at='_loaded_at') -%}
    {%- if segmentation.stored_rows_are_stale(required_columns, loaded_at) -%}
        delete from {{ this }}
    {%- else -%}
        select 1 as nothing_to_forget
    {%- endif -%}
{%- endmacro %}

{#- The incremental strategy `replace_delivered_keys`: delete every stored row of
    a natural key the new rows carry, and the stored copies of the key-less rows
    read again (those without a load time, re-read every run, and those loaded at
    the watermark: the same raw values and load time), then insert the new rows.
    Base models carry row_fingerprint (record_outcome_ctes). -#}
{% macro get_incremental_replace_delivered_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if key is none or key is not string -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ": incremental_strategy replace_delivered_keys needs unique_key, "
            ~ "one column: the natural key of the base model"
        ) -%}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set copy_key = "cast(row_fingerprint as " ~ dbt.type_string() ~ ") || '|' || cast(_loaded_at as "
        ~ dbt.type_string() ~ ")" -%}
    {#- two statements: one predicate joined with `or` is a mark join over every
        stored row computing the text key for all of them (at 1M customers, 3.8 s
        against 0.8 + 0.4 s for base_web__events) #}
    delete from {{ target }}
    where {{ key }} in (select {{ key }} from {{ source }} where {{ key }} is not null);

    delete from {{ target }}
    where
        {{ key }} is null
        and (
            _loaded_at is null
            -- a key-less row read again (loaded at the watermark): its stored
            -- copies are the stored rows of the same raw values and load time;
            -- one text key rather than a subquery correlated on the target's
            -- name, which engines qualify differently (as purge_stale_customer_rows)
            or {{ copy_key }} in (
                select {{ copy_key }}
                from {{ source }}
                where {{ key }} is null and _loaded_at is not null
            )
        );

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}
