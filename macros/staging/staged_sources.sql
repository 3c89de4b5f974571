{#- The registry of staged raw tables: which base model decides each row's outcome,
    its natural key, and which raw columns a data steward needs to see on a
    quarantined row. Quarantine, outcome counts and the conservation test all read
    this list, so a new source is added in one place. -#}
{% macro staged_sources() -%}
    {{ return([
        {
            'source_name': 'crm', 'table_name': 'customers',
            'base_model': 'base_crm__customers', 'natural_key': 'customer_id',
            'raw_columns': ['customer_id', 'email_raw', 'phone_raw', 'birth_date',
                            'reported_age_years', 'gender', 'signup_at_raw'],
        },
        {
            'source_name': 'shop', 'table_name': 'orders',
            'base_model': 'base_shop__orders', 'natural_key': 'order_id',
            'raw_columns': ['order_id', 'customer_id', 'ordered_at_raw', 'amount',
                            'currency', 'order_status'],
        },
    ]) }}
{%- endmacro %}

{#- Renders a row's raw values as 'name=value; ...' text (null shown as <null>). -#}
{% macro raw_values_text(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "=' || coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ parts | join(" || '; ' || ") }}
{%- endmacro %}
