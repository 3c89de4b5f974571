{#- True when the build runs on a real Snowflake account: target type snowflake and
    not the fakesnow emulator (var snowflake_emulator, set by segkit.snowflake_emulator).
    Guards the Snowflake-only statements the emulator cannot parse (masking
    policies, alter session). -#}
{% macro is_snowflake_account() -%}
    {{ return(target.type == 'snowflake' and not var('snowflake_emulator', false)) }}
{%- endmacro %}
