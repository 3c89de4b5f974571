{#- The body of an incremental model's `reprocess_from` CTE: one row holding the
    first date to re-process, (latest stored date_column - var feature_lookback_days),
    so late-arriving rows inside the look-back are picked up; a null date on a full
    build, meaning everything. -#}
{% macro incremental_reprocess_from(date_column) -%}
    {%- if is_incremental() %}
        select
            cast(
                {{ dbt.dateadd('day', -1 * var('feature_lookback_days'), 'max(' ~ date_column ~ ')') }}
                as date
            ) as reprocess_from_date
        from {{ this }}
    {%- else %}
        select cast(null as date) as reprocess_from_date
    {%- endif %}
{%- endmacro %}
