{#- The built relations of every model of this project outside staging
    (intermediate and marts, SQL and Python), as a list of {'name': model name,
    'relation': relation, ...} (see pii_scan_sql), for tests that scan them all.
    Only meaningful at execution time; models not built yet are left out (logged). -#}
{% macro models_downstream_of_staging() -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set by_value = segmentation.columns_with_accepted_values() -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.package_name == project_name
            and node.config.materialized != 'ephemeral'
            and ('intermediate' in node.fqn or 'marts' in node.fqn) -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- if relation is none -%}
                {{ log("not built, not scanned: " ~ node.name, info=true) }}
            {%- else -%}
                {%- do found.append({
                    'name': node.name, 'unique_id': node.unique_id, 'relation': relation,
                    'rows': (node.config.meta or {}).get('pii_scan_rows'),
                    'by_value': by_value.get(node.unique_id, []),
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- Patterns of raw PII inside text (substrings, so free text is covered): an email,
    or a phone number (international '+' form, national formats with separators, or
    10-15 bare digits). Written without backslashes or quotes, so the same text is a
    valid literal and regex on DuckDB (RE2) and Snowflake (POSIX ERE). Salted hashes
    (64 hex characters) and ISO dates match neither. -#}
{% macro pii_email_pattern() -%}
    {{- return("[A-Za-z0-9_.%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}") -}}
{%- endmacro %}

{% macro pii_phone_pattern() -%}
    {{- return("[+][0-9][0-9 ().-]{6,}[0-9]|[(]?[0-9]{2,4}[)]?[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}|[0-9]{10,15}") -}}
{%- endmacro %}

{#- The length of the shortest text either phone pattern can match (the bare one and
    the token one, whose edges may be empty): '+', a digit, six of [0-9 ().-] and a
    digit; or 2 digits, a separator, 3 + 3 digits; or 10 digits. Shorter text cannot
    hold a phone, so redaction and the scans skip the regex on it (most free-text and
    code values are short; at 1M customers this halves the cost of reading the staged
    events). segkit/tests/test_pii_patterns.py derives it from the patterns. -#}
{% macro pii_phone_min_length() -%}
    {{- return(9) -}}
{%- endmacro %}

{#- The scans' phone pattern: a phone-shaped substring not glued to letters or
    digits, so digit runs inside hashes and other tokens (md5 identity versions,
    'email:<sha256>' identity nodes) do not count. Redaction uses the bare pattern:
    over-redacting free text is the safe side. -#}
{% macro pii_phone_token_pattern() -%}
    {{- return("(^|[^0-9A-Za-z])(" ~ segmentation.pii_phone_pattern() ~ ")([^0-9A-Za-z]|$)") -}}
{%- endmacro %}

{#- Boolean: the text contains a match of the pattern anywhere (null gives null). -#}
{% macro pii_text_contains(expr, pattern) -%}
    {{- return(adapter.dispatch('pii_text_contains', 'segmentation')(expr, pattern)) -}}
{%- endmacro %}

{% macro default__pii_text_contains(expr, pattern) -%}
    regexp_like({{ expr }}, '.*({{ pattern }}).*')
{%- endmacro %}

{% macro duckdb__pii_text_contains(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__pii_text_contains(expr, pattern) -%}
    regexp_instr({{ expr }}, '{{ pattern }}') > 0
{%- endmacro %}

{#- Free text with every email- and phone-shaped substring replaced by a marker:
    used on the free-text columns of staging (docs/staging.md, "Free text"). The
    email regex only runs on values holding an '@' (a cheap substring test), the
    phone regex only on values long enough to hold a phone (pii_phone_min_length). -#}
{% macro redact_pii(expr) -%}
    {%- set without_emails -%}
        case when {{ expr }} like '%@%'
            then {{ segmentation.regex_replace_all(expr, segmentation.pii_email_pattern(), '[redacted email]') }}
            else {{ expr }}
        end
    {%- endset -%}
    case when length({{ without_emails }}) >= {{ segmentation.pii_phone_min_length() }}
        then {{ segmentation.regex_replace_all(without_emails, segmentation.pii_phone_pattern(), '[redacted phone]') }}
        else {{ without_emails }}
    end
{%- endmacro %}

{#- Is the column an identifier? Ids may look like phone numbers (2026-1031-0001), so
    only the email pattern applies to them. -#}
{% macro pii_is_id_column(column_name) -%}
    {%- set name = column_name | lower -%}
    {{- return(name == 'id' or name.endswith('_id') or name.endswith('_ids') or name.endswith('_key')) -}}
{%- endmacro %}

{#- Boolean SQL: the text `expr` (a value of column `column_name`) contains an
    email-shaped substring or, outside id columns (pii_is_id_column), a phone-shaped
    token. The email regex only runs on values holding an '@' (a cheap substring
    test), the phone regex only on values long enough to hold a phone. -#}
{% macro pii_like_condition(expr, column_name) -%}
    {%- set condition = "(case when " ~ expr ~ " like '%@%' then "
        ~ segmentation.pii_text_contains(expr, segmentation.pii_email_pattern()) ~ " else false end)" -%}
    {%- if not segmentation.pii_is_id_column(column_name) -%}
        {%- set condition = condition ~ " or (length(" ~ expr ~ ") >= " ~ segmentation.pii_phone_min_length()
            ~ " and " ~ segmentation.pii_text_contains(expr, segmentation.pii_phone_token_pattern()) ~ ")" -%}
    {%- endif -%}
    {{- return(condition) -}}
{%- endmacro %}

{#- SQL of a raw-PII scan over relations ({'name', 'relation'} dicts, optionally
    'copied_from'): one row per scanned text column, (model_name, column_name,
    count_pii_like_values), reading each relation once. Only text columns are
    scanned, and not the salted-hash columns of var pii_hash_columns, nor the columns
    a relation declares copied unchanged from another relation of the same scan
    (copied_from, {source model name: [columns]}, from the model's meta
    pii_scan_copied_from): their values are scanned in the source. A declaration
    naming a relation outside the scan, or a column that is not a text column of
    both, or one the source itself copies, is a compiler error. An empty list gives
    no row. -#}
{% macro pii_scan_sql(relations) -%}
    {%- set hashed = var('pii_hash_columns', []) | map('lower') | list -%}
    {#- the text columns of every relation, by model name -#}
    {%- set text_columns = {} -%}
    {%- for item in relations -%}
        {%- set names = [] -%}
        {%- for column in adapter.get_columns_in_relation(item.relation) if column.is_string() -%}
            {%- do names.append(column.name) -%}
        {%- endfor -%}
        {%- do text_columns.update({item.name: names}) -%}
    {%- endfor -%}
    {#- the columns each relation copies from a scanned one, checked -#}
    {%- set copied = {} -%}
    {%- for item in relations -%}
        {%- set own = text_columns[item.name] | map('lower') | list -%}
        {%- set names = [] -%}
        {%- for source, source_columns in (item.get('copied_from') or {}).items() -%}
            {%- if source not in text_columns -%}
                {{ exceptions.raise_compiler_error(
                    item.name ~ " declares columns copied from " ~ source ~ " (meta pii_scan_copied_from), which this PII scan does not read: add "
                    ~ source ~ " to the scan (a `-- depends_on` line of int_privacy__pii_scan) or remove the declaration."
                ) }}
            {%- endif -%}
            {%- for column_name in source_columns -%}
                {%- if column_name | lower not in own or column_name | lower not in text_columns[source] | map('lower') | list -%}
                    {{ exceptions.raise_compiler_error(
                        item.name ~ " declares " ~ column_name ~ " copied from " ~ source ~ " (meta pii_scan_copied_from), but it is not a text column of both:"
                        ~ " fix the column name or remove it from the declaration."
                    ) }}
                {%- endif -%}
                {%- do names.append(column_name | lower) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do copied.update({item.name: names}) -%}
    {%- endfor -%}
    {%- for item in relations -%}
        {%- for source, source_columns in (item.get('copied_from') or {}).items() -%}
            {%- for column_name in source_columns if column_name | lower in copied.get(source, []) -%}
                {{ exceptions.raise_compiler_error(
                    item.name ~ " declares " ~ column_name ~ " copied from " ~ source ~ ", which copies it too (meta pii_scan_copied_from):"
                    ~ " name the relation that scans it."
                ) }}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {#- meta pii_scan_rows: run_as_of_date scans the rows of the run's as_of date only (the
        history marts, which write no other date: docs/segments.md "History marts") -#}
    {%- set run_as_of_date_rows = " where " ~ segmentation.run_as_of_date_condition() -%}
    {%- set selects = [] -%}
    {%- for item in relations -%}
        {%- if item.get('rows') not in [none, 'run_as_of_date'] -%}
            {{ exceptions.raise_compiler_error(
                item.name ~ ": meta pii_scan_rows is '" ~ item.get('rows')
                ~ "'; leave it out (every row) or set run_as_of_date."
            ) }}
        {%- endif -%}
        {%- set rows_of = run_as_of_date_rows if item.get('rows') == 'run_as_of_date' else "" -%}
        {#- a column with few values (by_value) is read alone and grouped, and each
            distinct value checked once, weighted by its rows: the same count -#}
        {%- set by_value = (item.get('by_value') or []) | map('lower') | list -%}
        {%- set columns = [] -%}
        {%- set value_columns = [] -%}
        {%- for column_name in text_columns[item.name]
            if column_name | lower not in hashed and column_name | lower not in copied[item.name] -%}
            {%- do (value_columns if column_name | lower in by_value else columns).append(column_name) -%}
        {%- endfor -%}
        {%- if copied[item.name] -%}
            {{ log("PII scan: " ~ item.name ~ " copies " ~ copied[item.name] | join(", ") ~ " from scanned relations, not scanned again", info=false) }}
        {%- endif -%}
        {%- if columns -%}
            {%- set counts = [] -%}
            {%- set picks = [] -%}
            {%- for column_name in columns -%}
                {%- set condition = segmentation.pii_like_condition(adapter.quote(column_name), column_name) -%}
                {%- do counts.append("count(case when " ~ condition ~ " then 1 end) as count_" ~ loop.index) -%}
                {%- do picks.append("when " ~ segmentation.sql_string(column_name) ~ " then counts.count_" ~ loop.index) -%}
            {%- endfor -%}
            {%- set column_values = [] -%}
            {%- for column_name in columns -%}
                {%- do column_values.append("(" ~ segmentation.sql_string(column_name) ~ ")") -%}
            {%- endfor -%}
            {%- do selects.append(
                "select " ~ segmentation.sql_string(item.name) ~ " as model_name, scanned_columns.column_name,"
                ~ " cast(case scanned_columns.column_name " ~ picks | join(" ") ~ " end as " ~ dbt.type_bigint() ~ ") as count_pii_like_values"
                ~ " from (select " ~ counts | join(", ") ~ " from " ~ item.relation ~ rows_of ~ ") as counts"
                ~ " cross join (values " ~ column_values | join(", ") ~ ") as scanned_columns (column_name)"
            ) -%}
        {%- endif -%}
        {%- for column_name in value_columns -%}
            {%- do selects.append(
                "select " ~ segmentation.sql_string(item.name) ~ " as model_name, " ~ segmentation.sql_string(column_name) ~ " as column_name,"
                ~ " cast(coalesce(sum(case when " ~ segmentation.pii_like_condition('scanned_values.scanned_value', column_name)
                ~ " then scanned_values.count_rows end), 0) as " ~ dbt.type_bigint() ~ ") as count_pii_like_values"
                ~ " from (select " ~ adapter.quote(column_name) ~ " as scanned_value, count(*) as count_rows from " ~ item.relation ~ rows_of
                ~ " group by " ~ adapter.quote(column_name) ~ ") as scanned_values"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if selects -%}
        {{- return(selects | join("\nunion all\n")) -}}
    {%- else -%}
        {{- return(
            "select cast(null as " ~ dbt.type_string() ~ ") as model_name, cast(null as " ~ dbt.type_string()
            ~ ") as column_name, cast(null as " ~ dbt.type_bigint() ~ ") as count_pii_like_values where 1 = 0"
        ) -}}
    {%- endif -%}
{%- endmacro %}

{#- The columns of each model that an accepted_values test limits to a list, as
    {model unique id: [column names]}, from one pass over the graph: the PII scans
    read them per distinct value (pii_scan_sql, 'by_value'). Only a speed-up: the
    count is the same whatever values the column holds. Execution time only. -#}
{% macro columns_with_accepted_values() -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'test' and node.attached_node and node.column_name
            and (node.test_metadata or {}).get('name') == 'accepted_values' -%}
            {%- do found.setdefault(node.attached_node, []).append(node.column_name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found) -}}
{%- endmacro %}

{#- The relations of the given models (unique ids), as {'name', 'relation',
    'copied_from'} dicts (copied_from: the model's meta pii_scan_copied_from, see
    pii_scan_sql); a model not built is logged and left out. Execution time only. -#}
{% macro pii_scan_relations(unique_ids) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set by_value = segmentation.columns_with_accepted_values() -%}
        {%- for unique_id in unique_ids if unique_id in graph.nodes -%}
            {%- set node = graph.nodes[unique_id] -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- if relation is none -%}
                {{ log("not built, not scanned: " ~ node.name, info=true) }}
            {%- else -%}
                {%- do found.append({
                    'name': node.name, 'unique_id': unique_id, 'relation': relation,
                    'copied_from': (node.config.meta or {}).get('pii_scan_copied_from') or {},
                    'by_value': by_value.get(unique_id, []),
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found) -}}
{%- endmacro %}

{#- One line at the top of every mart: the dependency on the raw-PII gate
    int_privacy__pii_scan, so `dbt build` skips the marts when its test fails. Left
    out of dbt unit tests, whose fixtures stand in for the real inputs only. -#}
{% macro pii_gate() -%}
    {%- if model.resource_type != 'unit_test' -%}
        -- depends_on: {{ ref('int_privacy__pii_scan') }}
    {%- endif -%}
{%- endmacro %}
