{#- A list of strings as a SQL value list: ['a', 'b'] -> ('a', 'b'). Used for the
    known enum values that live in vars; each value is quoted by sql_string(). -#}
{% macro sql_values(values) -%}
    ({%- for value in values -%}{{ segmentation.sql_string(value) }}{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
