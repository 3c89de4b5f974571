{#- Matching form of a CRM customer id named by another system (a deletion
    request): lower-cased, with every whitespace character removed (inner, tabs,
    non-breaking spaces from copy-paste); empty gives null. Only for matching: a
    request's id is compared with the CRM ids in this form on both sides, and an
    exact (trimmed) CRM id match is preferred when case alone distinguishes two
    CRM records (see int_identity__deletion_requests). -#}
{% macro normalize_customer_id(expr) -%}
    nullif(lower({{ regex_replace_all(
        'cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')', '[[:space:]\u00a0]+', ''
    ) }}), '')
{%- endmacro %}
