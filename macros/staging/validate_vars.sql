{#- The kind of every var that reaches SQL, in one place: a new var that reaches SQL
    gets a line (a pytest checks that every var of dbt_project.yml and every var()
    call has one). -#}
{% macro var_kinds() -%}
    {{- return({
        'raw_path': 'path',
        'raw_format': 'identifier',
        'raw_database': 'optional_identifier',
        'raw_schema': 'identifier',
        'accept_new_raw_source': 'boolean',
        'as_of': 'optional_date',
        'exact_aggregate_decimals': 'integer',
        'publish_marts': 'boolean',
        'publish_path': 'path',
        'publish_exclude_models': 'identifier_list',
        'min_valid_timestamp': 'timestamp',
        'max_amount_local': 'number',
        'identity_max_customers_per_email': 'integer',
        'identity_max_customers_per_phone': 'integer',
        'reporting_currency': 'currency_code',
        'fx_rates_to_reporting': 'currency_rates',
        'default_phone_country_code': 'country_calling_code',
        'min_customer_age_years': 'integer',
        'max_customer_age_years': 'integer',
        'web_event_types': 'identifier_list',
        'web_devices': 'identifier_list',
        'web_channels': 'identifier_list',
        'email_event_types': 'identifier_list',
        'consent_purposes': 'identifier_list',
        'email_unsubscribe_revokes_purpose': 'identifier',
        'max_utc_offset_minutes': 'integer',
        'identity_max_customers_per_device': 'integer',
        'identity_propagation_rounds': 'integer',
        'feature_windows_days': 'integer_list',
        'feature_day_part_start_hours': 'identifier_integer_map',
        'engagement_window_days': 'integer',
        'engagement_weights': 'identifier_number_map',
        'engagement_half_life_days': 'number',
        'engagement_decay_weights': 'identifier_number_map',
        'age_band_edges_years': 'integer_list',
        'category_affinity_window_days': 'integer',
        'rfm_frequency_scoring': 'identifier',
        'rfm_frequency_bins': 'integer_list',
        'segment_kpi_window_days': 'integer',
        'segment_drift_features': 'identifier_list',
        'segment_drift_bins': 'integer',
        'segment_drift_epsilon': 'number',
        'segment_drift_psi_threshold': 'number',
        'segment_min_share': 'number',
        'segment_time_spine_start_date': 'date',
        'holdout_share': 'share',
        'holdout_salt': 'text',
        'experiment_readout_days': 'positive_integer',
        'experiment_alpha': 'share',
        'experiment_power': 'share',
        'experiment_min_arm_customers': 'integer',
        'experiment_target_uplift': 'number',
        'experiment_output_decimals': 'integer',
        'cluster_unclustered_description': 'text',
        'cluster_features': 'identifier_list',
        'cluster_log1p_features': 'identifier_list',
        'cluster_categorical_features': 'identifier_list',
        'cluster_impute': 'identifier_identifier_map',
        'cluster_max_imputed_share': 'number',
        'cluster_max_value_share': 'number',
        'cluster_scaler': 'identifier',
        'cluster_pca_components': 'integer',
        'cluster_algorithms': 'identifier_list',
        'cluster_agglomerative_linkages': 'identifier_list',
        'cluster_production_algorithm': 'identifier',
        'cluster_selection_criterion': 'identifier',
        'cluster_selection_fallback': 'identifier',
        'cluster_min_share': 'number',
        'cluster_k_min': 'integer',
        'cluster_k_max': 'integer',
        'cluster_sample_size': 'integer',
        'cluster_metric_sample_size': 'integer',
        'cluster_agglomerative_sample_size': 'integer',
        'cluster_random_seed': 'integer',
        'cluster_kmeans_n_init': 'integer',
        'cluster_minibatch_batch_size': 'integer',
        'cluster_gmm_covariance_type': 'identifier',
        'cluster_bootstrap_rounds': 'integer',
        'cluster_gap_references': 'integer',
        'cluster_dbscan_min_samples': 'integer',
        'cluster_order_feature': 'identifier',
        'cluster_refit': 'identifier',
        'cluster_refit_after_days': 'integer',
        'cluster_refit_drift_threshold': 'number',
        'cluster_output_decimals': 'integer',
        'cluster_description_min_abs_z': 'number',
        'cluster_description_max_terms': 'integer',
        'cluster_feature_terms': 'feature_terms',
        'propensity_horizon_days': 'integer',
        'propensity_top_share': 'number',
        'propensity_feature_windows_days': 'integer_list',
        'propensity_classifier': 'identifier',
        'propensity_n_estimators': 'integer',
        'propensity_cv_folds': 'integer',
        'propensity_training_sample_size': 'integer',
        'propensity_refit': 'identifier',
        'propensity_refit_after_days': 'integer',
        'snowflake_emulator': 'boolean',
        'snowflake_pii_unmasked_roles': 'role_list',
        'pii_hash_columns': 'identifier_list',
        'fairness_min_ratio': 'number',
        'fairness_group_columns': 'identifier_list',
        'ab_offer': 'text',
        'ab_segment': 'text',
        'check_segment': 'text',
        'check_sample_size': 'integer',
    }) -}}
{%- endmacro %}

{#- on-run-start: every var of var_kinds(), checked against its expected form
    before any model runs. A bad value raises a compiler error naming the var, the
    value and the form expected (docs/staging.md, "Vars are validated"). Renders no SQL. -#}
{% macro validate_vars() -%}
    {%- for name in segmentation.var_kinds() -%}
        {%- do segmentation.validated_var(name) -%}
    {%- endfor -%}
    {#- as_of may also come from the environment (SEG_AS_OF): checked with the var. -#}
    {%- do segmentation.as_of() -%}
    {#- Segment definitions have their own validator (names, kinds, operators, columns). -#}
    {%- do segmentation.segment_definitions() -%}
    {#- So do the RFM frequency vars (bins or quintiles; five increasing bounds from 1). -#}
    {%- do segmentation.rfm_frequency_scoring() -%}
    {%- do segmentation.rfm_frequency_bins() -%}
    {{- return('') -}}
{%- endmacro %}

{#- var(name), after checking it against its kind (raises like validate_vars()).
    For a model that computes with a var in Jinja at parse time, before the
    on-run-start check runs (e.g. sums the engagement weights). -#}
{% macro validated_var(name) -%}
    {%- set kind = segmentation.var_kinds()[name] -%}
    {%- set value = var(name, none) -%}
    {#- null: the var's documented "not set" (as_of, raw_database) or an analysis var left at its default -#}
    {%- set problem = segmentation.var_problem(value, kind) if value is not none else '' -%}
    {%- if problem -%}
        {{- exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ (value | string) ~ " is invalid: " ~ problem
            ~ " (dbt_project.yml documents every var; macros/staging/validate_vars.sql checks them)."
        ) -}}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The problem with one value of a kind, as text, or '' when it is valid. -#}
{% macro var_problem(value, kind) -%}
    {%- set re = modules.re -%}
    {%- set identifier = '[a-z_][a-z0-9_]*' -%}
    {%- set is_number = value is number and value is not boolean -%}
    {%- if kind in ['identifier', 'optional_identifier'] -%}
        {%- if not (value is string and re.fullmatch(identifier, value)) -%}
            {{- return("expected an identifier matching ^" ~ identifier ~ "$") -}}
        {%- endif -%}
    {%- elif kind == 'identifier_list' -%}
        {%- if value is string or value is mapping or value is not iterable -%}
            {{- return("expected a list of identifiers matching ^" ~ identifier ~ "$") -}}
        {%- endif -%}
        {%- for item in value if not (item is string and re.fullmatch(identifier, item)) -%}
            {{- return("entry " ~ (item | string) ~ " is not an identifier matching ^" ~ identifier ~ "$") -}}
        {%- endfor -%}
    {%- elif kind == 'role_list' -%}
        {%- if value is string or value is mapping or value is not iterable -%}
            {{- return("expected a list of role names matching ^[A-Za-z_][A-Za-z0-9_$]*$") -}}
        {%- endif -%}
        {%- for item in value if not (item is string and re.fullmatch('[A-Za-z_][A-Za-z0-9_$]*', item)) -%}
            {{- return("entry " ~ (item | string) ~ " is not a role name matching ^[A-Za-z_][A-Za-z0-9_$]*$") -}}
        {%- endfor -%}
    {%- elif kind == 'integer' -%}
        {%- if not (value is integer and value is not boolean) -%}
            {{- return("expected an integer") -}}
        {%- endif -%}
    {%- elif kind == 'positive_integer' -%}
        {%- if not (value is integer and value is not boolean and value >= 1) -%}
            {{- return("expected an integer >= 1") -}}
        {%- endif -%}
    {%- elif kind == 'number' -%}
        {%- if not is_number -%}
            {{- return("expected a number") -}}
        {%- endif -%}
    {%- elif kind == 'share' -%}
        {%- if not (is_number and 0 <= value < 1) -%}
            {{- return("expected a number in [0, 1)") -}}
        {%- endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if value is not boolean -%}
            {{- return("expected true or false") -}}
        {%- endif -%}
    {%- elif kind == 'integer_list' -%}
        {%- if value is string or value is mapping or value is not iterable -%}
            {{- return("expected a list of integers") -}}
        {%- endif -%}
        {%- for item in value if not (item is integer and item is not boolean) -%}
            {{- return("entry " ~ (item | string) ~ " is not an integer") -}}
        {%- endfor -%}
    {%- elif kind in ['identifier_number_map', 'identifier_integer_map', 'identifier_identifier_map'] -%}
        {%- if value is not mapping -%}
            {{- return("expected a mapping of identifier keys") -}}
        {%- endif -%}
        {%- set value_kind = kind.split('_')[1] -%}
        {%- for key, item in value.items() -%}
            {%- if not (key is string and re.fullmatch(identifier, key)) -%}
                {{- return("key " ~ (key | string) ~ " is not an identifier matching ^" ~ identifier ~ "$") -}}
            {%- endif -%}
            {%- set item_problem = segmentation.var_problem(item, value_kind) -%}
            {%- if item_problem -%}
                {{- return("value of " ~ key ~ ": " ~ item_problem) -}}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind in ['date', 'optional_date', 'timestamp'] -%}
        {%- set text = value | string -%}
        {%- if kind == 'timestamp' -%}
            {%- set match = re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?', text) -%}
            {%- set expected = "a timestamp YYYY-MM-DD[ HH:MM[:SS]]" -%}
        {%- else -%}
            {%- set match = re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
            {%- set expected = "a date YYYY-MM-DD" -%}
        {%- endif -%}
        {%- if not match -%}
            {{- return("expected " ~ expected) -}}
        {%- endif -%}
        {%- set year = match.group(1) | int -%}
        {%- set month = match.group(2) | int -%}
        {%- set day = match.group(3) | int -%}
        {%- set is_leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
        {%- set month_days = [31, 29 if is_leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
        {%- if month < 1 or month > 12 or day < 1 or day > month_days[month - 1] -%}
            {{- return("expected " ~ expected ~ " on a real calendar date") -}}
        {%- endif -%}
    {%- elif kind == 'currency_code' -%}
        {%- if not (value is string and re.fullmatch('[A-Z]{3}', value)) -%}
            {{- return("expected an ISO 4217 currency code matching ^[A-Z]{3}$") -}}
        {%- endif -%}
    {%- elif kind == 'currency_rates' -%}
        {%- if value is not mapping or value | length == 0 -%}
            {{- return("expected a non-empty mapping of currency code to rate") -}}
        {%- endif -%}
        {%- for code, rate in value.items() -%}
            {%- if not (code is string and re.fullmatch('[A-Z]{3}', code)) -%}
                {{- return("currency code " ~ (code | string) ~ " does not match ^[A-Z]{3}$") -}}
            {%- endif -%}
            {%- if not (rate is number and rate is not boolean and rate > 0) -%}
                {{- return("rate of " ~ code ~ " must be a positive number") -}}
            {%- endif -%}
        {%- endfor -%}
    {%- elif kind == 'country_calling_code' -%}
        {%- if not re.fullmatch('[0-9]{1,3}', value | string) -%}
            {{- return("expected a country calling code of 1-3 digits") -}}
        {%- endif -%}
    {%- elif kind == 'path' -%}
        {%- if not value is string or "'" in value or '\\' in value -%}
            {{- return("expected a path without quotes or backslashes") -}}
        {%- endif -%}
    {%- elif kind == 'text' -%}
        {#- quotes are fine ("Can't Lose Them"): sql_string() quotes every use -#}
        {%- if not value is string or '\\' in value or ';' in value -%}
            {{- return("expected text without backslashes or semicolons") -}}
        {%- endif -%}
    {%- elif kind == 'feature_terms' -%}
        {%- if value is not mapping -%}
            {{- return("expected a mapping feature -> {high: text, low: text}") -}}
        {%- endif -%}
        {%- for feature, terms in value.items() -%}
            {%- if not (feature is string and re.fullmatch(identifier, feature)) -%}
                {{- return("feature " ~ (feature | string) ~ " is not an identifier matching ^" ~ identifier ~ "$") -}}
            {%- endif -%}
            {%- if terms is not mapping or terms.get('high') is not string or terms.get('low') is not string -%}
                {{- return("terms of " ~ feature ~ " must be {high: text, low: text}") -}}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{- exceptions.raise_compiler_error("validate_vars: unknown kind " ~ kind) -}}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
