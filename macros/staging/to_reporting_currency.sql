{#- Converts an amount into the reporting currency with the fixed rates in the var
    fx_rates_to_reporting. Unknown currencies give null (and are quarantined). -#}
{% macro to_reporting_currency(amount, currency) -%}
    {{ amount }} * case {{ currency }}
    {%- for code, rate in var('fx_rates_to_reporting').items() %}
        when '{{ code | upper }}' then {{ rate }}
    {%- endfor %}
    end
{%- endmacro %}

{#- The currency codes the project can convert, as a SQL list. -#}
{% macro known_currencies() -%}
    ({%- for code in var('fx_rates_to_reporting').keys() -%}'{{ code | upper }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
