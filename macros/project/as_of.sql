{#- The as_of date of this run, as text YYYY-MM-DD, or none (every model then
    computes as of the latest activity in the data, see int_as_of_date): var as_of
    (`--vars '{as_of: ...}'`) or the environment variable SEG_AS_OF. Both ways give
    the same build; they differ in what dbt parses. dbt parses the whole project
    again whenever `--vars` differ from the previous invocation's (about 8 s on two
    cores, against 3 s for a partial parse), so a scheduler that passes a new as_of each night pays that every night;
    an environment variable makes dbt parse again only the files that read it
    (README, "Running every night"). Set both to different dates and the run stops
    with an error naming both; a SEG_AS_OF that is not a date stops it too. -#}
{% macro as_of() -%}
    {%- set from_var = var('as_of') -%}
    {%- set from_env = env_var('SEG_AS_OF', '') | trim -%}
    {%- if from_env -%}
        {%- set problem = segmentation.var_problem(from_env, 'optional_date') -%}
        {%- if problem -%}
            {{- exceptions.raise_compiler_error(
                "environment variable SEG_AS_OF = " ~ from_env ~ " is invalid: " ~ problem
                ~ ". Set it to the date to compute as of, or unset it."
            ) -}}
        {%- endif -%}
        {%- if from_var is not none and (from_var | string) != from_env -%}
            {{- exceptions.raise_compiler_error(
                "as_of is set twice, to different dates: var as_of = " ~ from_var ~ " and environment variable SEG_AS_OF = "
                ~ from_env ~ ". Set one of them (SEG_AS_OF keeps dbt's partial parsing between nights)."
            ) -}}
        {%- endif -%}
    {%- endif -%}
    {{- return(from_var if from_var is not none else (from_env or none)) -}}
{%- endmacro %}
