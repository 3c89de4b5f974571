{#- Public: the read-out of every offer's holdout experiment, per offer, segment and
    cohort (customers first assigned the offer on one as_of_date, from
    int_segments__offer_first_assignments), once var experiment_readout_days have
    passed by as_of. Conversion: two-proportion z-test; revenue per customer:
    Welch's t-test. The statistics live in macros/analysis (normal_distribution.sql,
    student_t_distribution.sql); docs/campaigns.md explains the design. -#}
{{ pii_gate() }}
{%- set readout_days = var('experiment_readout_days') -%}
{%- set alpha = var('experiment_alpha') -%}
{%- set min_arm = var('experiment_min_arm_customers') -%}
{%- set decimals = var('experiment_output_decimals') -%}
{%- if min_arm < 10 -%}
    {{ exceptions.raise_compiler_error(
        "var experiment_min_arm_customers = " ~ min_arm ~ " is invalid: Welch's t-test here is"
        ~ " accurate from 10 customers per arm (df >= 9; docs/campaigns.md)."
    ) }}
{%- endif %}
with

first_assignments as (

    select * from {{ ref('int_segments__offer_first_assignments') }}

),

orders as (

    select * from {{ ref('int_orders__resolved') }}
    where order_status = 'completed'

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- each customer counts once per offer: in the cohort, segment and arm of the first
-- assignment (first assignments stored after as_of, in a back-dated build, have no
-- window ended by as_of, so read_out_members leaves them out)
cohort_members as (

    select
        customer_id,
        offer_id,
        segment_name,
        is_holdout,
        first_assigned_date as assigned_date,
        cast({{ dbt.dateadd('day', readout_days, 'first_assigned_date') }} as date) as readout_end_date
    from first_assignments

),

read_out_members as (

    select cohort_members.*
    from cohort_members
    inner join as_of
        on cohort_members.readout_end_date <= as_of.as_of_date

),

member_outcomes as (

    select
        read_out_members.customer_id,
        read_out_members.offer_id,
        read_out_members.segment_name,
        read_out_members.is_holdout,
        read_out_members.assigned_date,
        read_out_members.readout_end_date,
        case when count(orders.order_id) > 0 then 1 else 0 end as has_converted,
        coalesce({{ exact_sum('orders.amount') }}, 0) as window_revenue
    from read_out_members
    left join orders
        on
            read_out_members.customer_id = orders.customer_id
            and read_out_members.assigned_date < orders.ordered_date
            and read_out_members.readout_end_date >= orders.ordered_date
    group by
        read_out_members.customer_id,
        read_out_members.offer_id,
        read_out_members.segment_name,
        read_out_members.is_holdout,
        read_out_members.assigned_date,
        read_out_members.readout_end_date

),

arms as (

    select
        offer_id,
        segment_name,
        assigned_date,
        readout_end_date,
        is_holdout,
        count(*) as count_customers,
        sum(has_converted) as count_converted,
        {{ exact_avg('window_revenue') }} as revenue_per_customer,
        var_samp(window_revenue) as revenue_variance
    from member_outcomes
    group by offer_id, segment_name, assigned_date, readout_end_date, is_holdout

),

cohorts as (

    select distinct
        offer_id,
        segment_name,
        assigned_date,
        readout_end_date
    from arms

),

-- an arm without customers counts 0 (a cohort without holdout is listed, not read out)
paired as (

    select
        cohorts.offer_id,
        cohorts.segment_name,
        cohorts.assigned_date,
        cohorts.readout_end_date,
        treatment.revenue_per_customer as mean_t,
        holdout.revenue_per_customer as mean_c,
        treatment.revenue_variance as variance_t,
        holdout.revenue_variance as variance_c,
        coalesce(treatment.count_customers, 0) as n_t,
        coalesce(holdout.count_customers, 0) as n_c,
        coalesce(treatment.count_converted, 0) as converted_t,
        coalesce(holdout.count_converted, 0) as converted_c,
        cast(treatment.count_converted as double) / treatment.count_customers as p_t,
        cast(holdout.count_converted as double) / holdout.count_customers as p_c,
        cast(coalesce(treatment.count_converted, 0) + coalesce(holdout.count_converted, 0) as double)
        / (coalesce(treatment.count_customers, 0) + coalesce(holdout.count_customers, 0)) as p_pooled,
        coalesce(least(treatment.count_customers, holdout.count_customers) >= {{ min_arm }}, false)
            as has_enough_customers,
        {{ normal_quantile(1 - alpha / 2) }} as z_alpha,
        {{ normal_quantile(var('experiment_power')) }} as z_power
    from cohorts
    left join arms as treatment
        on
            cohorts.offer_id = treatment.offer_id
            and cohorts.segment_name = treatment.segment_name
            and cohorts.assigned_date = treatment.assigned_date
            and not treatment.is_holdout
    left join arms as holdout
        on
            cohorts.offer_id = holdout.offer_id
            and cohorts.segment_name = holdout.segment_name
            and cohorts.assigned_date = holdout.assigned_date
            and holdout.is_holdout

),

standard_errors as (

    select
        *,
        p_t - p_c as conversion_uplift,
        sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c) as conversion_se,
        sqrt(p_pooled * (1 - p_pooled) * (1.0 / nullif(n_t, 0) + 1.0 / nullif(n_c, 0))) as conversion_pooled_se,
        sqrt(p_c * (1 - p_c) * (1.0 / nullif(n_t, 0) + 1.0 / n_c)) as conversion_baseline_se,
        mean_t - mean_c as revenue_uplift,
        sqrt(variance_t / n_t + variance_c / n_c) as revenue_se,
        {{ welch_degrees_of_freedom('variance_t', 'n_t', 'variance_c', 'n_c') }} as revenue_degrees_of_freedom
    from paired

),

statistics as (

    select
        *,
        case when has_enough_customers then conversion_uplift / nullif(conversion_pooled_se, 0) end
            as conversion_z_score,
        case when has_enough_customers then revenue_uplift / nullif(revenue_se, 0) end
            as revenue_t_statistic,
        {{ student_t_quantile('z_alpha', 'revenue_degrees_of_freedom') }} as t_alpha_start,
        p_t / nullif(p_c, 0) - 1 as conversion_relative_uplift,
        {{ relative_uplift_standard_error(
            'p_t', 'sqrt(p_t * (1 - p_t) / n_t)', 'p_c', 'sqrt(p_c * (1 - p_c) / n_c)'
        ) }} as conversion_relative_se,
        mean_t / nullif(mean_c, 0) - 1 as revenue_relative_uplift,
        {{ relative_uplift_standard_error(
            'mean_t', 'sqrt(variance_t / n_t)', 'mean_c', 'sqrt(variance_c / n_c)'
        ) }} as revenue_relative_se
    from standard_errors

),

deviates as (

    select
        *,
        {{ student_t_to_normal_deviate('t_alpha_start', 'revenue_degrees_of_freedom') }} as t_alpha_start_deviate,
        {{ student_t_to_normal_deviate('revenue_t_statistic', 'revenue_degrees_of_freedom') }}
            as revenue_normal_deviate
    from statistics

),

tests as (

    select
        *,
        {{ student_t_quantile_newton_step(
            't_alpha_start', 't_alpha_start_deviate', 'z_alpha', 'revenue_degrees_of_freedom'
        ) }} as t_alpha,
        {{ normal_two_sided_p_value('conversion_z_score') }} as conversion_p_value,
        {{ normal_two_sided_p_value('revenue_normal_deviate') }} as revenue_p_value
    from deviates

),

-- intervals and detectable effects only where both arms are large enough to test
margins as (

    select
        *,
        case when has_enough_customers then z_alpha * conversion_se end as conversion_margin,
        case when has_enough_customers then z_alpha * conversion_relative_se end as conversion_relative_margin,
        case when has_enough_customers then (z_alpha + z_power) * conversion_baseline_se end as conversion_mde,
        case when has_enough_customers then t_alpha * revenue_se end as revenue_margin,
        case when has_enough_customers then z_alpha * revenue_relative_se end as revenue_relative_margin,
        case when has_enough_customers then (z_alpha + z_power) * revenue_se end as revenue_mde
    from tests

),

bounds as (

    select
        *,
        conversion_uplift - conversion_margin as conversion_uplift_ci_lower,
        conversion_uplift + conversion_margin as conversion_uplift_ci_upper,
        conversion_relative_uplift - conversion_relative_margin as conversion_relative_uplift_ci_lower,
        conversion_relative_uplift + conversion_relative_margin as conversion_relative_uplift_ci_upper,
        revenue_uplift - revenue_margin as revenue_uplift_ci_lower,
        revenue_uplift + revenue_margin as revenue_uplift_ci_upper,
        revenue_relative_uplift - revenue_relative_margin as revenue_relative_uplift_ci_lower,
        revenue_relative_uplift + revenue_relative_margin as revenue_relative_uplift_ci_upper
    from margins

),

final as (

    select
        as_of.as_of_date,
        bounds.offer_id,
        bounds.segment_name,
        bounds.assigned_date,
        bounds.readout_end_date,
        -- arms
        cast(bounds.n_t as integer) as count_treatment_customers,
        cast(bounds.n_c as integer) as count_holdout_customers,
        cast(bounds.converted_t as integer) as count_treatment_converted,
        cast(bounds.converted_c as integer) as count_holdout_converted,
        -- conversion: two-proportion z-test
        cast(round(bounds.p_t, {{ decimals }}) as double) as treatment_conversion_rate,
        cast(round(bounds.p_c, {{ decimals }}) as double) as holdout_conversion_rate,
        cast(round(bounds.conversion_uplift, {{ decimals }}) as double) as conversion_uplift,
        cast(round(bounds.conversion_uplift_ci_lower, {{ decimals }}) as double)
            as conversion_uplift_ci_lower,
        cast(round(bounds.conversion_uplift_ci_upper, {{ decimals }}) as double)
            as conversion_uplift_ci_upper,
        cast(round(bounds.conversion_relative_uplift, {{ decimals }}) as double)
            as conversion_relative_uplift,
        cast(round(bounds.conversion_relative_uplift_ci_lower, {{ decimals }}) as double)
            as conversion_relative_uplift_ci_lower,
        cast(round(bounds.conversion_relative_uplift_ci_upper, {{ decimals }}) as double)
            as conversion_relative_uplift_ci_upper,
        cast(round(bounds.conversion_z_score, {{ decimals }}) as double) as conversion_z_score,
        cast(round(bounds.conversion_p_value, {{ decimals }}) as double) as conversion_p_value,
        cast(round(bounds.conversion_mde, {{ decimals }}) as double) as conversion_mde,
        -- revenue per customer: Welch's t-test
        cast(round(bounds.mean_t, {{ decimals }}) as double) as treatment_revenue_per_customer,
        cast(round(bounds.mean_c, {{ decimals }}) as double) as holdout_revenue_per_customer,
        cast(round(bounds.revenue_uplift, {{ decimals }}) as double) as revenue_uplift,
        cast(round(bounds.revenue_uplift_ci_lower, {{ decimals }}) as double) as revenue_uplift_ci_lower,
        cast(round(bounds.revenue_uplift_ci_upper, {{ decimals }}) as double) as revenue_uplift_ci_upper,
        cast(round(bounds.revenue_relative_uplift, {{ decimals }}) as double) as revenue_relative_uplift,
        cast(round(bounds.revenue_relative_uplift_ci_lower, {{ decimals }}) as double)
            as revenue_relative_uplift_ci_lower,
        cast(round(bounds.revenue_relative_uplift_ci_upper, {{ decimals }}) as double)
            as revenue_relative_uplift_ci_upper,
        cast(round(bounds.revenue_t_statistic, {{ decimals }}) as double) as revenue_t_statistic,
        cast(round(bounds.revenue_degrees_of_freedom, {{ decimals }}) as double)
            as revenue_degrees_of_freedom,
        cast(round(bounds.revenue_p_value, {{ decimals }}) as double) as revenue_p_value,
        cast(round(bounds.revenue_mde, {{ decimals }}) as double) as revenue_mde,
        -- decisions
        coalesce(bounds.conversion_p_value < {{ alpha }}, false) as is_conversion_significant,
        coalesce(bounds.revenue_p_value < {{ alpha }}, false) as is_revenue_significant,
        (
            not bounds.has_enough_customers
            or bounds.converted_c = 0
            or coalesce(bounds.conversion_mde > {{ var('experiment_target_uplift') }}, true)
        ) as is_underpowered
    from bounds
    cross join as_of

)

select * from final
