{#- A hash of a row's values, used to tell exact duplicates (same fingerprint)
    from new versions of a record (same key, different values). Fingerprints are
    only compared between rows of one natural key (see record_outcome_ctes), so a
    64-bit hash is ample there; on DuckDB that is its native multi-column hash(),
    several times faster than md5 over concatenated text at tens of millions of
    rows. Other engines hash the '|'-joined text. -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'segmentation')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{#- hash() of several arguments combines the arguments' hashes, nulls included. -#}
{% macro duckdb__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
