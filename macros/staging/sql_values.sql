{#- A list of strings as a SQL value list: ['a', 'b'] -> ('a', 'b'). Used for the
    known enum values that live in vars. -#}
{% macro sql_values(values) -%}
    ({%- for value in values -%}'{{ value }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
