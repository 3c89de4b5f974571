{#- Student's t distribution in plain SQL, for Welch's test (segment_experiment_results).
    Accurate for df >= 9 (arms of at least 10 customers; checked against scipy in
    segkit/tests/test_experiments.py). -#}

{#- The standard normal deviate with the same tail probability as t with df degrees
    of freedom (Hill 1970, CACM algorithm 395, asymptotic series): the two-sided
    p-value of t is normal_two_sided_p_value() of it, within 3e-9 of the exact t
    distribution for df >= 9 (3.5e-7 at df = 5). -#}
{% macro student_t_to_normal_deviate(t, df) -%}
    {%- set t = '(cast(' ~ t ~ ' as double))' -%}
    {%- set df = '(cast(' ~ df ~ ' as double))' -%}
    {%- set a = '(' ~ df ~ ' - 0.5)' -%}
    {%- set b = '(48.0 * ' ~ a ~ ' * ' ~ a ~ ')' -%}
    {%- set z = '(sqrt(' ~ a ~ ' * ln(1.0 + (' ~ t ~ ') * (' ~ t ~ ') / (' ~ df ~ '))))' -%}
    ({{ z }} + ({{ z }} * {{ z }} * {{ z }} + 3.0 * {{ z }}) / {{ b }}
    - (4.0 * power({{ z }}, 7) + 33.0 * power({{ z }}, 5) + 240.0 * power({{ z }}, 3) + 855.0 * {{ z }})
    / (10.0 * {{ b }} * ({{ b }} + 0.8 * power({{ z }}, 4) + 100.0)))
{%- endmacro %}

{#- Quantile of t with df degrees of freedom whose normal quantile is z (e.g. z =
    normal_quantile(0.975)): Cornish-Fisher expansion to 1/df^4 (Abramowitz and Stegun
    26.7.5); error 1.4e-5 at df = 9 at the 97.5% quantile, refined by
    student_t_quantile_newton_step. -#}
{% macro student_t_quantile(z, df) -%}
    {%- set z = '(cast(' ~ z ~ ' as double))' -%}
    {%- set n = '(cast(' ~ df ~ ' as double))' -%}
    ({{ z }}
    + (power({{ z }}, 3) + {{ z }}) / (4.0 * {{ n }})
    + (5.0 * power({{ z }}, 5) + 16.0 * power({{ z }}, 3) + 3.0 * {{ z }}) / (96.0 * power({{ n }}, 2))
    + (3.0 * power({{ z }}, 7) + 19.0 * power({{ z }}, 5) + 17.0 * power({{ z }}, 3) - 15.0 * {{ z }})
    / (384.0 * power({{ n }}, 3))
    + (79.0 * power({{ z }}, 9) + 776.0 * power({{ z }}, 7) + 1482.0 * power({{ z }}, 5)
    - 1920.0 * power({{ z }}, 3) - 945.0 * {{ z }}) / (92160.0 * power({{ n }}, 4)))
{%- endmacro %}

{#- One Newton step on t for student_t_to_normal_deviate(t, df) = z, from a start
    t0 such as student_t_quantile(z, df) and its deviate t0_deviate =
    student_t_to_normal_deviate(t0, df) (a column of an earlier CTE: nesting it here
    makes the SQL too deep for parsers). Brings the quantile within 1.5e-7 of the
    exact one for df >= 9 (1.3e-8 at the 97.5% quantile; the Cornish-Fisher start
    alone is off by 1.4e-5 there), and makes the t interval agree with the p-value of
    the same transform. The derivative drops Hill's last, O(1/df^4), term. -#}
{% macro student_t_quantile_newton_step(t0, t0_deviate, z, df) -%}
    {%- set t = '(cast(' ~ t0 ~ ' as double))' -%}
    {%- set n = '(cast(' ~ df ~ ' as double))' -%}
    {%- set a = '(' ~ n ~ ' - 0.5)' -%}
    {%- set z0 = '(sqrt(' ~ a ~ ' * ln(1.0 + ' ~ t ~ ' * ' ~ t ~ ' / ' ~ n ~ ')))' -%}
    ({{ t }} - (({{ t0_deviate }}) - ({{ z }}))
    / nullif(
        {{ a }} * {{ t }} / ({{ n }} * (1.0 + {{ t }} * {{ t }} / {{ n }}) * {{ z0 }})
        * (1.0 + (3.0 * {{ z0 }} * {{ z0 }} + 3.0) / (48.0 * {{ a }} * {{ a }})),
        0
    ))
{%- endmacro %}

{#- Welch-Satterthwaite degrees of freedom of a difference of two means, from the
    sample variances and sizes; null when both variances are 0. At least
    min(n_t, n_c) - 1. -#}
{% macro welch_degrees_of_freedom(variance_t, n_t, variance_c, n_c) -%}
    (power(({{ variance_t }}) / ({{ n_t }}) + ({{ variance_c }}) / ({{ n_c }}), 2)
    / nullif(
        power(({{ variance_t }}) / ({{ n_t }}), 2) / (({{ n_t }}) - 1)
        + power(({{ variance_c }}) / ({{ n_c }}), 2) / (({{ n_c }}) - 1),
        0
    ))
{%- endmacro %}

{#- Standard error of a relative uplift mean_t / mean_c - 1 by the delta method, from
    both means and their standard errors (independent arms); null when mean_c = 0. -#}
{% macro relative_uplift_standard_error(mean_t, se_t, mean_c, se_c) -%}
    sqrt(
        power(({{ se_t }}) / nullif({{ mean_c }}, 0), 2)
        + power(({{ mean_t }}) * ({{ se_c }}) / nullif(power({{ mean_c }}, 2), 0), 2)
    )
{%- endmacro %}
