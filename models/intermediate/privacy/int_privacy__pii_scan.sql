{#- The raw-PII gate before publication: scans every text column of the staging
    models (their non-PII columns; the salted-hash columns are skipped) and of the
    intermediate models the marts are built from, and counts the values that contain
    an email- or phone-shaped substring (ids: emails only; patterns in
    macros/staging/models_downstream_of_staging.sql). One row per scanned column;
    each relation is read once, and once more per column an accepted_values test
    limits (that column alone, checked per distinct value). Columns a model declares
    copied from another scanned model (meta pii_scan_copied_from) are scanned
    there. Every mart calls pii_gate() (a `-- depends_on` on
    this model) and its error-severity test fails on any count above 0, so `dbt build` skips the
    marts instead of publishing PII. The depends_on lines below are the scope: a new
    staging or intermediate model upstream of the marts gets a line (the singular
    test assert_pii_scan_covers_models_upstream_of_marts checks it). Intermediate
    models built from marts (clustering inputs) and the marts themselves are scanned
    after publication by tests/assert_no_raw_pii_downstream_of_staging.sql. -#}
-- depends_on: {{ ref('stg_crm__consent_events') }}
-- depends_on: {{ ref('stg_crm__customers') }}
-- depends_on: {{ ref('stg_crm__deletion_requests') }}
-- depends_on: {{ ref('stg_email__events') }}
-- depends_on: {{ ref('stg_shop__order_lines') }}
-- depends_on: {{ ref('stg_shop__orders') }}
-- depends_on: {{ ref('stg_web__events') }}
-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('int_customers__activity') }}
-- depends_on: {{ ref('int_customers__ad_match_keys') }}
-- depends_on: {{ ref('int_customers__btyd') }}
-- depends_on: {{ ref('int_customers__campaign_touchpoints') }}
-- depends_on: {{ ref('int_customers__category_affinity') }}
-- depends_on: {{ ref('int_consent_events__merged') }}
-- depends_on: {{ ref('int_customers__consent') }}
-- depends_on: {{ ref('int_customers__demographics') }}
-- depends_on: {{ ref('int_customers__email_engagement') }}
-- depends_on: {{ ref('int_customers__engagement') }}
-- depends_on: {{ ref('int_customers__propensity_features') }}
-- depends_on: {{ ref('int_customers__resolved') }}
-- depends_on: {{ ref('int_customers__rfm') }}
-- depends_on: {{ ref('int_customers__web_behaviour') }}
-- depends_on: {{ ref('int_email_events__daily') }}
-- depends_on: {{ ref('int_email_events__resolved') }}
-- depends_on: {{ ref('int_email_events__sends') }}
-- depends_on: {{ ref('int_events__daily') }}
-- depends_on: {{ ref('int_events__resolved') }}
-- depends_on: {{ ref('int_events__sessions') }}
-- depends_on: {{ ref('int_identity__components') }}
-- depends_on: {{ ref('int_identity__customer_versions') }}
-- depends_on: {{ ref('int_identity__deleted_customers') }}
-- depends_on: {{ ref('int_identity__deletion_audit') }}
-- depends_on: {{ ref('int_identity__deletion_matches') }}
-- depends_on: {{ ref('int_identity__deletion_request_outcomes') }}
-- depends_on: {{ ref('int_identity__devices') }}
-- depends_on: {{ ref('int_identity__edges') }}
-- depends_on: {{ ref('int_identity__person_versions') }}
-- depends_on: {{ ref('int_identity__shared_identifiers') }}
-- depends_on: {{ ref('int_orders__daily') }}
-- depends_on: {{ ref('int_orders__resolved') }}
{%- set relations = pii_scan_relations(model.depends_on.nodes) %}

with

scanned as (

    {{ pii_scan_sql(relations) }}

),

final as (

    select
        model_name,
        column_name,
        count_pii_like_values
    from scanned

)

select * from final
