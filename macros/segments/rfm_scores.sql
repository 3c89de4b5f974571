{#-
    rfm_quintile_score(order_by): SQL expression for a 1-5 quintile score over the
    rows of the current select, ordered by `order_by` (best last):
        score = least(5, 1 + floor(5 × (rank − 1) / (n − 1))), 1 when n = 1,
    i.e. 1 + floor(5 × percent_rank), where rank() is the position of the first row
    of the customer's tie block. A tie block takes its LOWEST position, so the
    lowest value always scores 1 and ties never gain from the customers they are
    tied with. The quotient is computed in double after an integer product, so a
    boundary falls on the same side on every engine.
-#}
{% macro rfm_quintile_score(order_by) -%}
    least(
        5,
        1 + coalesce(
            floor(
                cast(5 * (rank() over (order by {{ order_by }}) - 1) as double)
                / nullif(count(*) over () - 1, 0)
            ),
            0
        )
    )
{%- endmacro %}

{#-
    rfm_frequency_score(column): SQL expression for the frequency score of
    `column` (count_orders): fixed bins from var rfm_frequency_bins when var
    rfm_frequency_scoring is 'bins' (default), else rfm_quintile_score(column).
-#}
{% macro rfm_frequency_score(column) -%}
    {%- if rfm_frequency_scoring() == 'bins' -%}
        {%- set bins = rfm_frequency_bins() -%}
        case
            {%- for lower_bound in bins[1:] | reverse %}
            when {{ column }} >= {{ lower_bound }} then {{ bins | length - loop.index0 }}
            {%- endfor %}
            else 1
        end
    {%- else -%}
        {{ rfm_quintile_score(column) }}
    {%- endif -%}
{%- endmacro %}

{#- var rfm_frequency_scoring, validated: 'bins' or 'quintiles'. -#}
{% macro rfm_frequency_scoring() %}
    {%- set scoring = var('rfm_frequency_scoring', 'bins') -%}
    {%- if scoring not in ['bins', 'quintiles'] -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_frequency_scoring = " ~ scoring ~ " is invalid: expected bins or quintiles"
        ) }}
    {%- endif -%}
    {{ return(scoring) }}
{% endmacro %}

{#- var rfm_frequency_bins, validated: five strictly increasing integers, the
    first 1 (the lowest order count of a buyer), lower bounds of F = 1..5. -#}
{% macro rfm_frequency_bins() %}
    {%- set bins = var('rfm_frequency_bins', [1, 2, 3, 4, 6]) -%}
    {%- set problems = [] -%}
    {%- if bins is string or bins is mapping or bins is not iterable or bins | length != 5 -%}
        {%- do problems.append("expected a list of 5 order counts, the lower bounds of F = 1..5") -%}
    {%- else -%}
        {%- for lower_bound in bins -%}
            {%- if not (lower_bound is integer and lower_bound is not boolean) -%}
                {%- do problems.append("entry " ~ (lower_bound | string) ~ " is not an integer") -%}
            {%- elif loop.first and lower_bound != 1 -%}
                {%- do problems.append("the first bound must be 1 (every buyer has at least one order)") -%}
            {%- elif not loop.first and lower_bound <= bins[loop.index0 - 1] -%}
                {%- do problems.append("bounds must be strictly increasing") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_frequency_bins = " ~ (bins | string) ~ " is invalid: " ~ problems[0]
        ) }}
    {%- endif -%}
    {{ return(bins) }}
{% endmacro %}
