{#- The registry of staged raw tables: which base model decides each row's outcome,
    its natural key, its rejection reason codes (first failing rule wins, in this
    order; documented on the base model), which raw columns a data steward needs to
    see on a quarantined row, which of its reasons only raw values outside the
    contract's types or ranges trip (raw_value_reasons: text in a typed column, NaN,
    a 1970 default; proven by segkit/tests/faults/test_row_values.py, not by the
    generator's sample data), whether the source is optional (may be missing: see raw_table),
    and whether a past as_of hides its rows loaded later (is_point_in_time, default true;
    false for deletion requests, which apply whatever the as_of).
    Quarantine, outcome counts and the conservation test all read this list, so a
    new source is added in one place. -#}
{% macro staged_sources() -%}
    {{ return([
        {
            'source_name': 'crm', 'table_name': 'customers', 'is_optional': false,
            'base_model': 'base_crm__customers', 'stg_model': 'stg_crm__customers',
            'natural_key': 'customer_id',
            'rejection_reasons': ['missing_customer_id', 'invalid_loaded_at', 'invalid_updated_at',
                                  'invalid_signup_at', 'future_signup_at', 'invalid_email',
                                  'invalid_birth_date', 'invalid_age', 'impossible_age',
                                  'invalid_is_loyalty_member', 'unknown_gender'],
            'raw_value_reasons': ['invalid_loaded_at', 'invalid_updated_at', 'invalid_birth_date',
                                  'invalid_age', 'invalid_is_loyalty_member'],
            'raw_columns': ['customer_id', 'email_raw', 'phone_raw', 'birth_date_raw',
                            'reported_age_raw', 'gender', 'signup_at_raw', 'is_loyalty_member_raw'],
        },
        {
            'source_name': 'shop', 'table_name': 'orders', 'is_optional': false,
            'base_model': 'base_shop__orders', 'stg_model': 'stg_shop__orders',
            'natural_key': 'order_id',
            'rejection_reasons': ['missing_order_id', 'missing_customer_reference', 'invalid_loaded_at',
                                  'invalid_updated_at', 'invalid_ordered_at', 'future_ordered_at',
                                  'unknown_order_status', 'unknown_currency', 'invalid_amount',
                                  'amount_out_of_range', 'non_positive_amount'],
            'raw_value_reasons': ['invalid_loaded_at', 'invalid_updated_at', 'invalid_amount',
                                  'amount_out_of_range'],
            'raw_columns': ['order_id', 'customer_id', 'ordered_at_raw', 'amount_raw',
                            'currency', 'order_status'],
        },
        {
            'source_name': 'shop', 'table_name': 'order_lines', 'is_optional': true,
            'base_model': 'base_shop__order_lines', 'stg_model': 'stg_shop__order_lines',
            'natural_key': 'order_line_id',
            'rejection_reasons': ['missing_order_line_id', 'missing_order_id', 'missing_product_id',
                                  'invalid_loaded_at', 'invalid_quantity', 'non_positive_quantity',
                                  'invalid_unit_price', 'unit_price_out_of_range', 'negative_unit_price'],
            'raw_value_reasons': ['invalid_loaded_at', 'invalid_quantity', 'invalid_unit_price',
                                  'unit_price_out_of_range'],
            'raw_columns': ['order_line_id', 'order_id', 'product_id', 'quantity_raw',
                            'unit_price_raw'],
        },
        {
            'source_name': 'web', 'table_name': 'events', 'is_optional': true,
            'base_model': 'base_web__events', 'stg_model': 'stg_web__events',
            'natural_key': 'event_id',
            'rejection_reasons': ['missing_event_id', 'missing_anonymous_id', 'missing_session_id',
                                  'invalid_loaded_at', 'invalid_occurred_at', 'future_occurred_at',
                                  'unknown_event_type'],
            'raw_value_reasons': ['invalid_loaded_at'],
            'raw_columns': ['event_id', 'anonymous_id', 'customer_id', 'session_id',
                            'event_type', 'occurred_at_raw', 'utc_offset_minutes'],
        },
        {
            'source_name': 'email', 'table_name': 'email_events', 'is_optional': true,
            'base_model': 'base_email__events', 'stg_model': 'stg_email__events',
            'natural_key': 'email_event_id',
            'rejection_reasons': ['missing_email_event_id', 'missing_customer_id', 'invalid_loaded_at',
                                  'invalid_occurred_at', 'future_occurred_at', 'unknown_email_event_type'],
            'raw_value_reasons': ['invalid_loaded_at'],
            'raw_columns': ['email_event_id', 'customer_id', 'campaign_id',
                            'email_event_type', 'occurred_at_raw'],
        },
        {
            'source_name': 'crm', 'table_name': 'consent_events', 'is_optional': true,
            'base_model': 'base_crm__consent_events', 'stg_model': 'stg_crm__consent_events',
            'natural_key': 'consent_event_id',
            'rejection_reasons': ['missing_consent_event_id', 'missing_customer_id', 'invalid_loaded_at',
                                  'invalid_occurred_at', 'future_occurred_at', 'unknown_consent_purpose',
                                  'unknown_consent_status'],
            'raw_value_reasons': ['invalid_loaded_at'],
            'raw_columns': ['consent_event_id', 'customer_id', 'consent_purpose',
                            'consent_status', 'occurred_at_raw'],
        },
        {
            'source_name': 'crm', 'table_name': 'deletion_requests', 'is_optional': true,
            'is_point_in_time': false,
            'base_model': 'base_crm__deletion_requests', 'stg_model': 'stg_crm__deletion_requests',
            'natural_key': 'request_id',
            'rejection_reasons': ['missing_request_id', 'missing_customer_reference'],
            'raw_value_reasons': [],
            'raw_columns': ['request_id', 'customer_id', 'email_raw', 'requested_at_raw'],
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

{#- The registered (source_table, rejection_reason) pairs of staged_sources(), as a
    union of selects for a CTE body; without the raw_value_reasons when
    include_raw_value_reasons is false (what the generator's sample data can trip). -#}
{% macro registered_rejection_reasons(include_raw_value_reasons=true) -%}
    {%- set rows = [] -%}
    {%- for s in staged_sources() -%}
        {%- for reason in s.rejection_reasons
            if include_raw_value_reasons or reason not in s.get('raw_value_reasons', []) -%}
            {%- do rows.append("select '" ~ s.source_name ~ "." ~ s.table_name ~ "' as source_table, '"
                ~ reason ~ "' as rejection_reason") -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ rows | join("\n    union all\n    ") }}
{%- endmacro %}
