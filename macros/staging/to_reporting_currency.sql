{#- Converts an amount into the reporting currency with the fixed rates in the var
    fx_rates_to_reporting (validated by validate_vars(): codes ^[A-Z]{3}$, positive
    numeric rates). Unknown currencies give null (and are quarantined). -#}
{% macro to_reporting_currency(amount, currency) -%}
    {{ amount }} * case {{ currency }}
    {%- for code, rate in var('fx_rates_to_reporting').items() %}
        when {{ segmentation.sql_string(code | upper) }} then {{ rate | float }}
    {%- endfor %}
    end
{%- endmacro %}

{#- The currency codes the project can convert, as a SQL list. -#}
{% macro known_currencies() -%}
    {{- segmentation.sql_values(var('fx_rates_to_reporting').keys() | map('upper') | list) -}}
{%- endmacro %}
