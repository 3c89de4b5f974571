{#- Every raw customer row, typed and normalised, with the validation verdict and
    the dedupe outcome. Holds raw PII: only staging models and the quarantine read it. -#}
{%- set version_order = 'updated_at desc, _loaded_at desc' %}
{%- set raw_types = segmentation.raw_table_column_types('crm', 'customers') %}
{#- the load time in UTC: the watermark filter and `typed` read it alike -#}
{%- set loaded_at = to_utc_timestamp('_loaded_at', raw_types.get('_loaded_at')) %}
{#- the natural key from raw columns: `typed` and delivered_source_ctes() compute it alike -#}
{%- set raw_key -%} nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') {%- endset %}
with

source as {{ segmentation.inline_cte() }} (

    {{ raw_table('crm', 'customers') }}

),

{{ segmentation.delivered_source_ctes(
    'source', 'customer_id', raw_key, loaded_at, reread_erased=true
) }}

typed as {{ segmentation.inline_cte() }} (

    select
        -- ids
        {{ raw_key }} as customer_id,

        -- PII, normalised (hashed in stg_crm__customers)
        cast(email as {{ dbt.type_string() }}) as email_raw,
        {{ normalize_email('email') }} as email_normalized,
        cast(phone as {{ dbt.type_string() }}) as phone_raw,
        {{ normalize_phone('phone') }} as phone_normalized,
        nullif(trim(cast(first_name as {{ dbt.type_string() }})), '') as first_name,
        nullif(trim(cast(last_name as {{ dbt.type_string() }})), '') as last_name,

        -- demographics
        birth_date as birth_date_raw,
        {{ try_parse_date('birth_date', raw_types.get('birth_date')) }} as birth_date,
        age as reported_age_raw,
        {{ try_parse_integer('age', raw_types.get('age'), dbt.type_int()) }} as reported_age_years,
        nullif(lower(trim(cast(gender as {{ dbt.type_string() }}))), '') as gender,
        nullif(lower(trim(cast(income_band as {{ dbt.type_string() }}))), '') as income_band,
        nullif(upper(trim(cast(country_code as {{ dbt.type_string() }}))), '') as country_code,
        nullif(trim(cast(region as {{ dbt.type_string() }})), '') as region,
        nullif(trim(cast(city as {{ dbt.type_string() }})), '') as city,

        -- loyalty
        is_loyalty_member as is_loyalty_member_raw,
        coalesce(
            {{ try_parse_boolean('is_loyalty_member', raw_types.get('is_loyalty_member')) }}, false
        ) as is_loyalty_member,
        nullif(lower(trim(cast(loyalty_tier as {{ dbt.type_string() }}))), '') as loyalty_tier,

        -- timestamps (UTC)
        cast(signup_at as {{ dbt.type_string() }}) as signup_at_raw,
        {{ to_utc_timestamp('signup_at', raw_types.get('signup_at')) }} as signup_at,
        {{ to_utc_timestamp('updated_at', raw_types.get('updated_at')) }} as updated_at,
        {{ loaded_at }} as _loaded_at,
        -- a value delivered but not valid (unparseable, not finite, out of range)
        updated_at is not null
        and {{ to_utc_timestamp('updated_at', raw_types.get('updated_at')) }} is null as is_updated_at_invalid,
        _loaded_at is not null
        and {{ loaded_at }} is null as is_loaded_at_invalid,

        {{ row_fingerprint([
            'customer_id', 'email', 'phone', 'first_name', 'last_name', 'birth_date', 'age',
            'gender', 'income_band', 'country_code', 'region', 'city', 'signup_at',
            'is_loyalty_member', 'loyalty_tier', 'updated_at'
        ]) }} as row_fingerprint

    from delivered_source

),

fingerprinted as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ row_fingerprint([
            'customer_id', 'email_normalized', 'phone_normalized', 'lower(first_name)', 'lower(last_name)',
            'birth_date', 'reported_age_years', 'gender', 'income_band', 'country_code', 'lower(region)',
            'lower(city)', 'signup_at', 'is_loyalty_member', 'loyalty_tier'
        ]) }} as record_fingerprint

    from typed

),

loaded as {{ segmentation.inline_cte() }} (

    select
        *,
        cast(_loaded_at as date) as loaded_date

    from fingerprinted

),

dated as {{ segmentation.inline_cte() }} (

    select
        *,
        {{ dbt.datediff('birth_date', 'loaded_date', 'day') }} as days_since_birth_at_load  -- noqa: LT05

    from loaded

),

aged as {{ segmentation.inline_cte() }} (

    select
        *,
        coalesce(
            cast(floor(days_since_birth_at_load / 365.25) as {{ dbt.type_int() }}),
            reported_age_years
        ) as age_years_at_load

    from dated

),

validated as {{ segmentation.inline_cte() }} (

    select
        *,
        -- the first failing rule, in this order; see _crm__models.yml for the codes
        case
            when customer_id is null then 'missing_customer_id'
            when is_loaded_at_invalid then 'invalid_loaded_at'
            when is_updated_at_invalid then 'invalid_updated_at'
            when signup_at is null then 'invalid_signup_at'
            when signup_at > _loaded_at then 'future_signup_at'
            when
                email_normalized is not null
                and not {{ regex_full_match('email_normalized', email_pattern()) }}
                then 'invalid_email'
            when birth_date_raw is not null and birth_date is null then 'invalid_birth_date'
            when reported_age_raw is not null and reported_age_years is null then 'invalid_age'
            when
                age_years_at_load < {{ var('min_customer_age_years') }}
                or age_years_at_load > {{ var('max_customer_age_years') }}
                then 'impossible_age'
            when
                is_loyalty_member_raw is not null
                and {{ try_parse_boolean('is_loyalty_member_raw', raw_types.get('is_loyalty_member')) }} is null
                then 'invalid_is_loyalty_member'
            when
                gender is not null
                and gender not in ('female', 'male', 'non_binary', 'unknown')
                then 'unknown_gender'
        end as rejection_reason

    from aged

),

{{ record_outcome_ctes('validated', 'customer_id', version_order, reread_erased=true) }}

-- the erasure hook (erase_deleted_persons_pii) sets is_pii_erased; such rows are
-- read from the raw files again on every run (macros/staging/delivered_rows.sql)
select
    *,
    false as is_pii_erased
from final
