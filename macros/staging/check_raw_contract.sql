{#- on-run-start: stop the build before any model runs when a raw table cannot be
    staged, with one message naming the table, file or column, and the fix. Row-level
    faults never stop a build (staging quarantines the row); these table-level ones
    would otherwise fail deep inside a model (a Binder Error, a cast) and skip
    hundreds of nodes:
      - var raw_format not one of the readable formats;
      - the raw folder (env SEG_RAW_PATH or var raw_path) missing or empty;
      - a required table missing (customers, orders);
      - a file that is not a readable file of its format;
      - a table lacking a column raw_contract() marks required.
    Every fault found is listed in the one error. Cheap: a few glob() and describe
    queries over file metadata. Renders no SQL. Snowflake checks the raw tables'
    columns in the catalog. A run that reads no raw table (selects_raw_sources())
    skips it: the cluster assignment alone, a seed. -#}
{% macro check_raw_contract() -%}
    {%- if execute and segmentation.selects_raw_sources() -%}
        {%- set problems = adapter.dispatch('raw_contract_problems', 'segmentation')() -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "The raw data does not meet its contract (docs/raw_contract.md); nothing was built:\n  - "
                ~ problems | join("\n  - ")
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Does this invocation select a source, or a node that reads one (the base
    models, a test of raw rows)? The raw checks of on-run-start guard only those:
    about 0.25 s of the cluster assignment alone went to describing raw files it
    never reads. -#}
{% macro selects_raw_sources() -%}
    {%- for unique_id in selected_resources -%}
        {%- if unique_id.startswith('source.') -%}
            {{ return(true) }}
        {%- endif -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- for parent in (node.depends_on.nodes if node else []) if parent.startswith('source.') -%}
            {{ return(true) }}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- The tables of the contract that staging reads: source name -> table names. -#}
{% macro raw_contract_sources() -%}
    {%- set by_table = {} -%}
    {%- for s in segmentation.staged_sources() -%}
        {%- do by_table.update({s.table_name: s}) -%}
    {%- endfor -%}
    {{ return(by_table) }}
{%- endmacro %}

{#- The columns raw_contract() requires that `present` (lower-case names) lacks, as
    problem sentences. -#}
{% macro missing_required_columns(table_name, location, present) -%}
    {%- set problems = [] -%}
    {%- for column in segmentation.raw_contract()[table_name] if column[2] and column[0] not in present -%}
        {%- do problems.append(
            "raw table " ~ table_name ~ " (" ~ location ~ "): required column \"" ~ column[0]
            ~ "\" is missing; add it (type " ~ column[1] ~ ", see docs/raw_contract.md) or rename the column"
            ~ " that holds it"
        ) -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{#- Snowflake and other engines: tables in var raw_database / var raw_schema. -#}
{% macro default__raw_contract_problems() -%}
    {%- set problems = [] -%}
    {%- set sources = segmentation.raw_contract_sources() -%}
    {%- for table_name in segmentation.raw_contract() if table_name in sources -%}
        {%- set s = sources[table_name] -%}
        {%- set relation = source(s.source_name, table_name) -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
        {%- if found is none and not s.is_optional -%}
            {%- do problems.append(
                "required raw table " ~ table_name ~ " not found: expected a table " ~ relation
                ~ "; set vars raw_database / raw_schema to where the raw tables are"
            ) -%}
        {%- elif found is not none -%}
            {%- do problems.extend(segmentation.missing_required_columns(
                table_name, found | string, segmentation.default__raw_column_types(found)
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{#- DuckDB: files in the raw folder (see raw_relation for the file / folder forms). -#}
{% macro duckdb__raw_contract_problems() -%}
    {%- set formats = ['parquet', 'csv'] -%}
    {%- set raw_path = env_var('SEG_RAW_PATH', var('raw_path')) -%}
    {%- set path_setting = 'env SEG_RAW_PATH' if env_var('SEG_RAW_PATH', '') else 'var raw_path' -%}
    {%- if var('raw_format') not in formats -%}
        {{ return([
            "var raw_format is '" ~ var('raw_format') ~ "': use one of " ~ formats | join(', ')
            ~ " (the format of the files in " ~ raw_path ~ ")"
        ]) }}
    {%- endif -%}
    {#- glob() lists files only: a folder of per-table delivery folders has none at its top -#}
    {%- if segmentation.count_files(raw_path ~ '/*') == 0 and segmentation.count_files(raw_path ~ '/*/*') == 0 -%}
        {{ return([
            "raw folder " ~ raw_path ~ " (set by " ~ path_setting ~ ") does not exist or is empty: point "
            ~ path_setting ~ " at the folder holding the raw tables (<table>." ~ var('raw_format') ~ ")"
        ]) }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- set sources = segmentation.raw_contract_sources() -%}
    {%- for table_name in segmentation.raw_contract() if table_name in sources -%}
        {%- set s = sources[table_name] -%}
        {%- set file_path = raw_path ~ '/' ~ table_name ~ '.' ~ var('raw_format') -%}
        {%- set folder_glob = raw_path ~ '/' ~ table_name ~ '/*.' ~ var('raw_format') -%}
        {%- set location = file_path if segmentation.count_files(file_path) > 0
            else folder_glob if segmentation.count_files(folder_glob) > 0 else none -%}
        {%- if location is none and not s.is_optional -%}
            {%- do problems.append(
                "required raw table " ~ table_name ~ " not found: expected the file " ~ file_path
                ~ " or delivery files " ~ folder_glob ~ "; point " ~ path_setting
                ~ " at the folder holding it (var raw_format: " ~ var('raw_format') ~ ")"
            ) -%}
        {%- elif location is not none -%}
            {%- set unreadable = segmentation.unreadable_files(location) -%}
            {%- if unreadable -%}
                {%- do problems.append(
                    "raw table " ~ table_name ~ ": " ~ unreadable | join(', ') ~ " is not a "
                    ~ var('raw_format') ~ " file; replace it with a " ~ var('raw_format')
                    ~ " export of the table, or remove it"
                ) -%}
            {%- else -%}
                {%- set reader = 'read_parquet' if var('raw_format') == 'parquet' else 'read_csv_auto' -%}
                {%- set present = segmentation.duckdb__raw_column_types(
                    reader ~ "('" ~ location ~ "', union_by_name = true)"
                ) -%}
                {%- do problems.extend(segmentation.missing_required_columns(table_name, location, present)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{%- endmacro %}

{#- Files of a glob that cannot be a file of var raw_format, found without reading
    them with a reader that would fail the query: a Parquet file starts and ends
    with the magic bytes PAR1. Only files up to 1 MiB are read for the bytes (the
    fault a person makes, a CSV or text saved as .parquet, is small; reading every
    byte of large files would cost seconds on every build); a larger corrupt file
    fails in DuckDB's reader, whose message names the file. CSV is text: any file
    reads. -#}
{% macro unreadable_files(pattern) -%}
    {%- if var('raw_format') != 'parquet' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set small_files = run_query(
        "select filename from read_blob('" ~ pattern ~ "') where size <= 1048576"
    ) -%}
    {%- set files = small_files.columns[0].values() -%}
    {%- if files | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set checked = run_query(
        "select filename from read_blob([" ~ "'" ~ files | join("', '") ~ "'" ~ "])"
        ~ " where size < 12 or content[1:4] != 'PAR1'::blob or content[-4:] != 'PAR1'::blob"
        ~ " order by filename"
    ) -%}
    {{ return(checked.columns[0].values() | list) }}
{%- endmacro %}
