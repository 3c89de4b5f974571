{#- The email syntax accepted by validation: local part, one '@', a dotted domain
    with a 2+ letter top-level domain, no whitespace. Deliberately simple: it rejects
    typos, it does not try to implement RFC 5322. -#}
{% macro email_pattern() -%}
    {{- return("[a-z0-9._%+''-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}") -}}
{%- endmacro %}
