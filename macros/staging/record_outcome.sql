{#- What happens to each raw row in staging, decided once in the base model:
      'rejected'            a validation rule failed (rejection_reason says which)
      'exact_duplicate'     an older copy of an identical raw row (same row_fingerprint)
      'near_duplicate'      an older copy of the same record that differs only in
                            formatting or system timestamps (same record_fingerprint,
                            computed on the normalised business values: e.g. an email
                            re-sent in another case or with whitespace)
      'superseded_version'  an older version of a record whose latest version is kept
      'kept'                the latest valid version of the record
    Expects the columns rejection_reason, row_fingerprint, copy_number and
    is_exact_copy (see record_outcome_ctes()). Versions compete only among valid first
    copies; ties are broken by the fingerprint so every build keeps the same row. -#}
{% macro record_outcome(natural_key, version_order) -%}
    case
        when rejection_reason is not null then 'rejected'
        when copy_number > 1 and is_exact_copy then 'exact_duplicate'
        when copy_number > 1 then 'near_duplicate'
        when row_number() over (
            partition by {{ natural_key }}, (rejection_reason is null and copy_number = 1)
            order by {{ version_order }}, row_fingerprint desc
        ) > 1 then 'superseded_version'
        else 'kept'
    end
{%- endmacro %}

{#- The outcomes, as a list (accepted values of record_outcome). -#}
{% macro record_outcomes() -%}
    {{ return(['kept', 'rejected', 'exact_duplicate', 'near_duplicate', 'superseded_version']) }}
{%- endmacro %}

{#- The columns record_outcome_ctes() adds to the validated rows, in lower case:
    stored_versions_cte() leaves them out of the stored rows it reads back. -#}
{% macro record_outcome_columns() -%}
    {{ return(['has_several_raw_rows', 'copy_number', 'is_exact_copy', 'record_outcome']) }}
{%- endmacro %}

{#- The CTEs every base model ends with, after its `validated` CTE; the model then
    selects from `final`. Adds to every row:
      has_several_raw_rows  whether other raw rows carry the same natural key
      copy_number           1 for the newest copy (by version_order, then
                            row_fingerprint) of a normalised record, 2, 3... for older copies
      is_exact_copy         whether a newer copy has the same raw values (row_fingerprint)
      record_outcome        see record_outcome()

    Why two branches: almost every natural key has one raw row, whose outcome is
    'rejected' or 'kept' without comparing it with anything. Window functions sort
    every row they see with all its columns (a third of the staging time at 50M
    events), so only the rows of keys seen more than once go through them. Every copy
    of a record shares its natural key (each record_fingerprint includes it), so
    copies are numbered within the key, and a fingerprint collision would have to
    happen between rows of one key to matter. A null natural key is always the first
    rejection rule of a base model, so those rows are 'rejected' in the first branch.
    validated_cte and the CTEs it reads must be declared with inline_cte(): each
    branch recomputes them rather than DuckDB materialising them, because
    recomputing the row-local casts is cheaper than spilling a copy of every raw
    row. The macro checks this itself (assert_ctes_inlined): a base model whose CTE
    before this call lacks inline_cte() fails to compile, naming the CTE.
    On an incremental run of a base model the model's `typed` CTE reads only the
    delivered raw rows, through delivered_source_ctes()
    (macros/staging/delivered_rows.sql), which the macro checks
    (assert_reads_delivered_source); the macro then adds the older rows of the
    delivered keys from the stored table (`stored_versions`, already validated,
    rendered by delivered_source_ctes(): stored_versions_cte()) before deciding
    the outcomes. Pass reread_erased as to delivered_source_ctes() (checked by
    assert_same_reread_erased): those models read the older rows from the raw
    files instead, since the erasure hook blanks stored rows. -#}
{% macro record_outcome_ctes(validated_cte, natural_key, version_order, reread_erased=false) -%}
{%- do segmentation.assert_ctes_inlined() -%}
{%- do segmentation.assert_reads_delivered_source() -%}
{%- do segmentation.assert_same_reread_erased(reread_erased) -%}
{#- delivered_source_ctes() rendered `stored_versions` on the same condition
    (the watermark is read once per compilation) -#}
{%- if not reread_erased and segmentation.delivery_watermark() is not none %}
{{ validated_cte }}_and_stored as {{ segmentation.inline_cte() }} (

    select * from {{ validated_cte }}
    union all
    select * from stored_versions

),
{%- set validated_cte = validated_cte ~ '_and_stored' %}
{%- endif %}

keys_with_several_rows as (

    select {{ natural_key }} as repeated_key
    from {{ validated_cte }}
    where {{ natural_key }} is not null
    group by {{ natural_key }}
    having count(*) > 1

),

flagged as {{ segmentation.inline_cte() }} (

    select
        {{ validated_cte }}.*,
        keys_with_several_rows.repeated_key is not null as has_several_raw_rows

    from {{ validated_cte }}
    left join keys_with_several_rows
        on {{ validated_cte }}.{{ natural_key }} = keys_with_several_rows.repeated_key

),

single_rows as (

    select
        *,
        cast(1 as {{ dbt.type_bigint() }}) as copy_number,
        false as is_exact_copy,
        case when rejection_reason is not null then 'rejected' else 'kept' end as record_outcome

    from flagged
    where not has_several_raw_rows

),

numbered as (

    select
        *,
        cast(row_number() over (
            partition by {{ natural_key }}, record_fingerprint
            order by {{ version_order }}, row_fingerprint
        ) as {{ dbt.type_bigint() }}) as copy_number

    from flagged
    where has_several_raw_rows

),

copies as (

    select
        *,
        -- identical rows tie in every order: compare with the first copy number of
        -- the same raw values instead of ranking again
        copy_number > min(copy_number) over (
            partition by {{ natural_key }}, record_fingerprint, row_fingerprint
        ) as is_exact_copy

    from numbered

),

repeated_rows as (

    select
        *,
        {{ segmentation.record_outcome(natural_key, version_order) }} as record_outcome

    from copies

),

final as (

    select * from single_rows
    union all
    select * from repeated_rows

)
{%- endmacro %}

{#- Fails compilation when a CTE written before the record_outcome_ctes() call of the
    current model is not declared `name as {{ segmentation.inline_cte() }} (`: each
    branch of record_outcome_ctes reads them, and DuckDB would otherwise materialise
    a copy of every raw row (83 s -> 47 s for base_web__events at 1M customers). The
    rule is checked here rather than kept by hand, so a new source cannot miss it. -#}
{% macro assert_ctes_inlined() -%}
    {%- set raw_code = segmentation.model_raw_code() -%}
    {%- set head = raw_code.split('record_outcome_ctes(')[0] -%}
    {%- set cte_headers = modules.re.findall('(?m)^[ \\t]*([a-z_][a-z0-9_]*)[ \\t]+as[ \\t]+([^\\n]*?)\\($', head) -%}
    {%- set missing = [] -%}
    {%- for name, between in cte_headers if 'inline_cte' not in between -%}
        {%- do missing.append(name) -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ': the CTEs before record_outcome_ctes() must be declared `name as '
            ~ '{{ segmentation.inline_cte() }} (` (macros/staging/record_outcome.sql); missing: '
            ~ missing | join(', ')
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- The current model's raw code (its SQL before Jinja), or '' where there is no
    model (an operation) or no raw code: what the compile-time checks
    (assert_ctes_inlined, assert_reads_delivered_source,
    assert_same_reread_erased) read. -#}
{% macro model_raw_code() -%}
    {{ return(model.raw_code if model is mapping and 'raw_code' in model else '') }}
{%- endmacro %}

{#- Fails compilation when the current model passes reread_erased=true to one of
    delivered_source_ctes() and record_outcome_ctes() and not to the other:
    record_outcome_ctes() would add the stored older rows to the raw older rows
    delivered_source_ctes() already read (every older version twice), or miss
    them. Read on the raw code, as assert_reads_delivered_source. -#}
{% macro assert_same_reread_erased(reread_erased) -%}
    {%- set raw_code = segmentation.model_raw_code() -%}
    {%- set calls = modules.re.findall('reread_erased\\s*=\\s*true', raw_code | lower) | length -%}
    {%- if raw_code and calls != (2 if reread_erased else 0) -%}
        {%- do exceptions.raise_compiler_error(
            model.name ~ ': pass reread_erased=true to both delivered_source_ctes() and '
            ~ 'record_outcome_ctes(), or to neither (macros/staging/record_outcome.sql)'
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- The keyword that keeps an engine from materialising a CTE read several times:
    DuckDB materialises such CTEs (all rows and columns, spilling at scale), while
    recomputing cheap row-local expressions is faster. Other engines decide for
    themselves and have no such keyword. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'segmentation')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}

{#- The opposite keyword, for a small CTE read several times whose body is costly:
    an incremental run's `delivered_source` rows (delivered_source_ctes) are a few
    thousand rows found by scanning every raw row, and DuckDB would otherwise
    inline the scan into each of the readers of the typed rows (measured at 100k
    customers: base_web__events' nightly select 3.6 s inlined, 1.6 s
    materialised). Other engines decide for themselves. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'segmentation')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
