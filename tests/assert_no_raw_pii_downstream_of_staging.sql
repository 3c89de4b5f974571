{#- Privacy, after publication: no model downstream of staging (intermediate, marts,
    Python models) carries raw PII. The staging and intermediate models the marts are
    built from are scanned BEFORE the marts by int_privacy__pii_scan (which gates
    them); this test scans the rest: the marts, the Python models and the
    intermediate models built from marts. Every text column is checked for values
    containing an email- or phone-shaped substring (ids: emails only; patterns in
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
-- depends_on: {{ ref('propensity_calibration') }}
-- depends_on: {{ ref('propensity_model_diagnostics') }}
-- depends_on: {{ ref('propensity_models') }}
-- depends_on: {{ ref('segment_drift') }}
-- depends_on: {{ ref('segment_experiment_results') }}
-- depends_on: {{ ref('segment_feature_history') }}
-- depends_on: {{ ref('segment_history') }}
-- depends_on: {{ ref('segment_kpis') }}
-- depends_on: {{ ref('segment_kpis_history') }}
-- depends_on: {{ ref('segment_membership') }}
-- depends_on: {{ ref('segment_membership_history') }}
-- depends_on: {{ ref('segment_offer_history') }}
-- depends_on: {{ ref('segment_offers') }}
{%- set gated = [] -%}
{%- if execute -%}
    {%- set gate = graph.nodes.get('model.' ~ project_name ~ '.int_privacy__pii_scan') -%}
    {%- if gate -%}
        {%- do gated.extend(gate.depends_on.nodes) -%}
        {%- do gated.append(gate.unique_id) -%}
    {%- endif -%}
{%- endif -%}
{%- set relations = [] -%}
{%- for model in models_downstream_of_staging() if model.unique_id not in gated -%}
    {%- do relations.append(model) -%}
{%- endfor %}

with

scanned as (

    {{ pii_scan_sql(relations) }}

),

validation_errors as (

    select * from scanned
    where count_pii_like_values > 0

)

select * from validation_errors
