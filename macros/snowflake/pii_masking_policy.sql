{#- Masking of hashed-PII columns on Snowflake.

    create_pii_masking_policy() runs on-run-start: it creates (or updates the body
    of) the masking policy <target.database>.<target.schema>.pii_hash_mask, which
    shows a hash to roles in var snowflake_pii_unmasked_roles and to the role dbt
    runs as (its own tests read the hashes), and null to everyone else.
    apply_pii_masking_policy() is a post-hook on every model: it attaches the policy
    to the model's documented columns named in var pii_hash_columns. Both render to
    nothing off Snowflake and on the fakesnow emulator, which cannot parse masking
    policies (docs/snowflake.md). -#}
{% macro pii_masking_policy_name() -%}
    {{ return(target.database ~ '.' ~ target.schema ~ '.pii_hash_mask') }}
{%- endmacro %}

{% macro create_pii_masking_policy() -%}
    {%- if not (execute and segmentation.is_snowflake_account()) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set roles = var('snowflake_pii_unmasked_roles', []) | list -%}
    {%- set own_role = target.role or run_query('select current_role()').columns[0].values()[0] -%}
    {%- do roles.append(own_role) -%}
    {%- set body -%}
        case
            when {% for role in roles | unique %}is_role_in_session({{ segmentation.sql_string(role | upper) }}){{ ' or ' if not loop.last }}{% endfor %}
                then val
        end
    {%- endset -%}
    create schema if not exists {{ target.database }}.{{ target.schema }};
    create masking policy if not exists {{ segmentation.pii_masking_policy_name() }}
        as (val varchar) returns varchar -> {{ body }}
        comment = 'Hashed PII: visible to the roles in var snowflake_pii_unmasked_roles and to dbt';
    alter masking policy {{ segmentation.pii_masking_policy_name() }} set body -> {{ body }};
{%- endmacro %}

{% macro apply_pii_masking_policy() -%}
    {%- if not (execute and segmentation.is_snowflake_account()) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set materialized = config.get('materialized') -%}
    {%- if materialized not in ['table', 'incremental', 'view'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set hashed = var('pii_hash_columns', []) | map('lower') | list -%}
    {%- for column_name in model.columns if column_name | lower in hashed %}
    alter {{ 'view' if materialized == 'view' else 'table' }} {{ this }}
        modify column {{ column_name }} set masking policy {{ segmentation.pii_masking_policy_name() }} force;
    {%- endfor -%}
{%- endmacro %}
