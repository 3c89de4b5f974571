{#- Standard normal distribution in plain SQL (sqrt, exp, ln), identical on every
    engine: neither DuckDB nor Snowflake has erf or a normal CDF. -#}

{#- Two-sided p-value of a standard normal deviate z: P(|Z| >= |z|) = erfc(|z| / sqrt 2),
    with the Chebyshev erfc of Numerical Recipes (erfcc): relative error < 1.2e-7
    everywhere. -#}
{% macro normal_two_sided_p_value(z) -%}
    {%- set x = '(abs(cast(' ~ z ~ ' as double)) / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * ' ~ x ~ '))' -%}
    ({{ t }} * exp(
        -{{ x }} * {{ x }} - 1.26551223 + {{ t }} * (1.00002368 + {{ t }} * (0.37409196
        + {{ t }} * (0.09678418 + {{ t }} * (-0.18628806 + {{ t }} * (0.27886807
        + {{ t }} * (-1.13520398 + {{ t }} * (1.48851587 + {{ t }} * (-0.82215223
        + {{ t }} * 0.17087277))))))))
    ))
{%- endmacro %}

{#- Quantile of the standard normal distribution at probability p in (0, 1)
    (Acklam's rational approximation: relative error < 1.15e-9), e.g.
    normal_quantile('0.975') = 1.959964. Used on constants from vars. -#}
{% macro normal_quantile(p) -%}
    {%- set p = '(cast(' ~ p ~ ' as double))' -%}
    {%- set lower_q = '(sqrt(-2.0 * ln(greatest(' ~ p ~ ', 1e-300))))' -%}
    {%- set upper_q = '(sqrt(-2.0 * ln(greatest(1.0 - ' ~ p ~ ', 1e-300))))' -%}
    {%- set r = '((' ~ p ~ ' - 0.5) * (' ~ p ~ ' - 0.5))' -%}
    (case
        when {{ p }} < 0.02425 then
            {{ segmentation.normal_quantile_tail(lower_q) }}
        when {{ p }} > 1 - 0.02425 then
            -{{ segmentation.normal_quantile_tail(upper_q) }}
        else
            ((((((-39.69683028665376 * {{ r }} + 220.9460984245205) * {{ r }} - 275.9285104469687) * {{ r }}
            + 138.3577518672690) * {{ r }} - 30.66479806614716) * {{ r }} + 2.506628277459239) * ({{ p }} - 0.5))
            / (((((-54.47609879822406 * {{ r }} + 161.5858368580409) * {{ r }} - 155.6989798598866) * {{ r }}
            + 66.80131188771972) * {{ r }} - 13.28068155288572) * {{ r }} + 1.0)
    end)
{%- endmacro %}

{#- Acklam's lower-tail rational function of q = sqrt(-2 ln p); normal_quantile's helper. -#}
{% macro normal_quantile_tail(q) -%}
    {%- set q = '(cast(' ~ q ~ ' as double))' -%}
    ((((((-0.007784894002430293 * {{ q }} - 0.3223964580411365) * {{ q }} - 2.400758277161838) * {{ q }}
    - 2.549732539343734) * {{ q }} + 4.374664141464968) * {{ q }} + 2.938163982698783)
    / ((((0.007784695709041462 * {{ q }} + 0.3224671290700398) * {{ q }} + 2.445134137142996) * {{ q }}
    + 3.754408661907416) * {{ q }} + 1.0))
{%- endmacro %}
