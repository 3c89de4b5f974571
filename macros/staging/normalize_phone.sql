{#- Phone as digits only, with the country calling code: numbers written with a
    leading '+' or '00' keep their code; 10-digit national numbers get the default
    country code (var default_phone_country_code, NANP '1' by default). Fewer than
    7 digits is not a phone number and gives null. -#}
{% macro normalize_phone(expr) -%}
    {%- set digits = regex_replace_all("cast(" ~ expr ~ " as " ~ dbt.type_string() ~ ")", "[^0-9]", "") -%}
    {%- set default_code = var('default_phone_country_code', '1') -%}
    case
        when length({{ digits }}) < 7 then null
        when trim(cast({{ expr }} as {{ dbt.type_string() }})) like '+%' then {{ digits }}
        when {{ digits }} like '00%' then substr({{ digits }}, 3)
        when length({{ digits }}) = 10 then '{{ default_code }}' || {{ digits }}
        else {{ digits }}
    end
{%- endmacro %}
