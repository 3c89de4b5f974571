{#- The band labels of var age_band_edges_years, youngest first, then 'unknown':
    [18, 25, 65] -> ['<18', '18-24', '25-64', '65+', 'unknown']. Raises a compiler
    error naming the var when the edges are empty, negative or not strictly ascending. -#}
{% macro age_band_labels() -%}
    {%- set edges = segmentation.age_band_edges() -%}
    {%- set labels = ['<' ~ edges[0]] -%}
    {%- for edge in edges -%}
        {%- if loop.last -%}
            {%- do labels.append(edge ~ '+') -%}
        {%- else -%}
            {%- do labels.append(edge ~ '-' ~ (edges[loop.index] - 1)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do labels.append('unknown') -%}
    {{- return(labels) -}}
{%- endmacro %}

{#- Expression: the age band label of a whole-years age expression (null -> 'unknown'),
    bands from var age_band_edges_years (see age_band_labels). -#}
{% macro age_band(age_years) -%}
    {%- set edges = segmentation.age_band_edges() -%}
    {%- set labels = segmentation.age_band_labels() -%}
    case
        when {{ age_years }} is null then 'unknown'
        {%- for edge in edges | reverse %}
        when {{ age_years }} >= {{ edge }} then {{ segmentation.sql_string(labels[edges | length - loop.index + 1]) }}
        {%- endfor %}
        else {{ segmentation.sql_string(labels[0]) }}
    end
{%- endmacro %}

{#- var age_band_edges_years, checked: a non-empty, strictly ascending list of
    non-negative integers. -#}
{% macro age_band_edges() -%}
    {%- set edges = segmentation.validated_var('age_band_edges_years') -%}
    {%- set problem = [] -%}
    {%- if edges | length == 0 -%}
        {%- do problem.append('expected at least one edge') -%}
    {%- endif -%}
    {%- for edge in edges -%}
        {%- if edge < 0 or (not loop.first and edge <= edges[loop.index0 - 1]) -%}
            {%- do problem.append('expected strictly ascending ages of 0 or more') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problem -%}
        {{- exceptions.raise_compiler_error(
            "var age_band_edges_years = " ~ (edges | string) ~ " is invalid: " ~ problem[0]
            ~ " (dbt_project.yml documents it)."
        ) -}}
    {%- endif -%}
    {{- return(edges | list) -}}
{%- endmacro %}

{#- Expression: whole years from start_date to end_date (birthdays passed), as an
    age is counted: the year difference, minus 1 when end_date's month and day come
    before start_date's (a 29 February start passes its birthday on 1 March). Negative
    when end_date is before start_date. Cross-engine (extract). -#}
{% macro whole_years_between(start_date, end_date) -%}
    (
        extract(year from {{ end_date }}) - extract(year from {{ start_date }})
        - case
            when extract(month from {{ end_date }}) * 100 + extract(day from {{ end_date }})
                < extract(month from {{ start_date }}) * 100 + extract(day from {{ start_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
