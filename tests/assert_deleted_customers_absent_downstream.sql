{#- Right to erasure: no person with a deletion request appears in any model
    downstream of staging (intermediate and marts), by customer id or email hash.
    The deleted identifiers are derived here from the requests themselves (the CRM
    id equal to the request's, else the only one equal up to case and whitespace;
    every CRM record that ever carried the request's email unless it is a shared
    placeholder in int_identity__shared_identifiers; and every CRM record stitched
    to those), not taken from int_identity__deleted_customers. Only the identity
    machinery that implements deletion (int_identity__*) is exempt.
    Returns one row per offending model and column. The depends_on lines (the
    public marts) make `dbt build` run this after them; add new public marts there. -#}
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
{%- set checks = [] -%}
{%- for model in models_downstream_of_staging() if not model.name.startswith('int_identity__') -%}
    {%- set columns = adapter.get_columns_in_relation(model.relation) -%}
    {%- set column_names = columns | map(attribute='name') | map('lower') | list -%}
    {%- if 'customer_id' in column_names -%}
        {%- do checks.append(
            "select '" ~ model.name ~ "' as model_name, 'customer_id' as column_name, count(*) as count_deleted_rows"
            ~ " from " ~ model.relation
            ~ " where cast(customer_id as " ~ dbt.type_string() ~ ") in (select customer_id from deleted_customer_ids)"
        ) -%}
    {%- endif -%}
    {%- if 'email_hash' in column_names -%}
        {%- do checks.append(
            "select '" ~ model.name ~ "' as model_name, 'email_hash' as column_name, count(*) as count_deleted_rows"
            ~ " from " ~ model.relation
            ~ " where email_hash in (select email_hash from deleted_email_hashes)"
        ) -%}
    {%- endif -%}
{%- endfor %}

with

requests as (

    select * from {{ ref('stg_crm__deletion_requests') }}

),

customer_versions as (

    select * from {{ ref('base_crm__customers') }}
    where customer_id is not null

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

components as (

    select * from {{ ref('int_identity__components') }}

),

shared_emails as (

    select identifier_hash as email_hash
    from {{ ref('int_identity__shared_identifiers') }}
    where identifier_type = 'email' and is_excluded_from_linking

),

crm_ids as (

    select distinct
        customer_id,
        {{ normalize_customer_id('customer_id') }} as customer_id_key
    from customer_versions

),

unambiguous_crm_ids as (

    select customer_id_key
    from crm_ids
    group by customer_id_key
    having count(*) = 1

),

requested_customer_ids as (

    -- by CRM id: the exact id, else the only CRM id equal up to case and whitespace
    select crm_ids.customer_id
    from crm_ids
    inner join requests
        on crm_ids.customer_id = requests.customer_id
    union
    select crm_ids.customer_id
    from crm_ids
    inner join unambiguous_crm_ids
        on crm_ids.customer_id_key = unambiguous_crm_ids.customer_id_key
    inner join requests
        on crm_ids.customer_id_key = requests.customer_id_normalized
    union
    -- by email: every record that ever carried it, unless it is a shared placeholder
    select customer_versions.customer_id
    from customer_versions
    inner join requests
        on {{ hash_pii('customer_versions.email_normalized') }} = requests.email_hash
    where requests.email_hash not in (select shared_emails.email_hash from shared_emails)

),

deleted_customer_ids as (

    select requested_customer_ids.customer_id
    from requested_customer_ids
    union
    select stitched.customer_id
    from requested_customer_ids
    inner join components as requested
        on 'customer:' || requested_customer_ids.customer_id = requested.node_id
    inner join components as stitched
        on requested.customer_id = stitched.customer_id
    where stitched.customer_id is not null
    union
    select substr(stitched.node_id, {{ 'customer:' | length + 1 }}) as customer_id
    from requested_customer_ids
    inner join components as requested
        on 'customer:' || requested_customer_ids.customer_id = requested.node_id
    inner join components as stitched
        on requested.customer_id = stitched.customer_id
    where stitched.node_type = 'customer'

),

candidate_email_hashes as (

    select email_hash from requests
    where email_hash is not null
    union
    select customers.email_hash
    from customers
    inner join deleted_customer_ids
        on customers.customer_id = deleted_customer_ids.customer_id
    where customers.email_hash is not null

),

-- a shared placeholder email names nobody in particular: other people keep it
deleted_email_hashes as (

    select candidate_email_hashes.email_hash
    from candidate_email_hashes
    left join shared_emails
        on candidate_email_hashes.email_hash = shared_emails.email_hash
    where shared_emails.email_hash is null

),

scanned as (

    {% if checks %}
        {{ checks | join("\n        union all\n        ") }}
    {% else %}
        -- nothing built downstream yet (e.g. at parse or lint time): no rows
        select
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            0 as count_deleted_rows
        from deleted_email_hashes
        where false
    {% endif %}

),

validation_errors as (

    select * from scanned
    where count_deleted_rows > 0

)

select * from validation_errors
