{#- Privacy: no model downstream of staging (intermediate, marts, Python models)
    carries raw PII. Scans every text column of every built relation for values
    shaped like an email or a phone number (patterns in
    macros/staging/models_downstream_of_staging.sql); returns one row per offending
    model and column with the number of such values.
    The depends_on lines (the public marts) make `dbt build` run this after them; a
    new public mart should be added there. Models not built yet are logged and
    skipped. -#}
-- depends_on: {{ ref('cluster_centroids') }}
-- depends_on: {{ ref('cluster_model_selection') }}
-- depends_on: {{ ref('cluster_pca_coordinates') }}
-- depends_on: {{ ref('cluster_profiles') }}
-- depends_on: {{ ref('cluster_projection_params') }}
-- depends_on: {{ ref('cluster_scaler_params') }}
-- depends_on: {{ ref('customer_clusters') }}
-- depends_on: {{ ref('customer_features') }}
-- depends_on: {{ ref('customer_propensity_scores') }}
-- depends_on: {{ ref('customer_rfm_scores') }}
-- depends_on: {{ ref('customer_segments') }}
-- depends_on: {{ ref('propensity_model_diagnostics') }}
-- depends_on: {{ ref('segment_drift') }}
-- depends_on: {{ ref('segment_feature_history') }}
-- depends_on: {{ ref('segment_history') }}
-- depends_on: {{ ref('segment_kpis') }}
-- depends_on: {{ ref('segment_membership') }}
-- depends_on: {{ ref('segment_membership_history') }}
-- depends_on: {{ ref('segment_offers') }}
{%- set checks = [] -%}
{%- for model in models_downstream_of_staging() -%}
    {%- for column in adapter.get_columns_in_relation(model.relation) if column.is_string() -%}
        {%- set value = "lower(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "))" -%}
        {%- set conditions = [
            regex_full_match(value, pii_email_pattern()),
            regex_full_match(value, pii_phone_pattern()),
        ] -%}
        {%- if not column.name.lower().endswith('_id') -%}
            {%- do conditions.append(regex_full_match(value, pii_bare_phone_pattern())) -%}
        {%- endif -%}
        {%- do checks.append(
            "select '" ~ model.name ~ "' as model_name, '" ~ column.name ~ "' as column_name, count(*) as count_pii_like_values"
            ~ " from " ~ model.relation
            ~ " where " ~ conditions | join(" or ")
        ) -%}
    {%- endfor -%}
{%- endfor %}

with

scanned as (

    {% if checks %}
        {{ checks | join("\n        union all\n        ") }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            0 as count_pii_like_values
    {% endif %}

),

validation_errors as (

    select * from scanned
    where count_pii_like_values > 0

)

select * from validation_errors
