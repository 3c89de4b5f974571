{#- Privacy: the raw-PII gate int_privacy__pii_scan covers every staging model
    (stg_*, except the quarantine audit, which keeps raw values by design) and every
    intermediate model the marts are built from, and every mart depends on it.
    Returns one row per model missing from the gate's `-- depends_on` lines (issue
    'not scanned before the marts') or mart not calling pii_gate() ('published
    without the PII gate'). Intermediate models built from marts cannot
    be in the gate (a cycle); tests/assert_no_raw_pii_downstream_of_staging.sql
    scans them after publication. -#}
-- depends_on: {{ ref('int_privacy__pii_scan') }}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set gate_id = 'model.' ~ project_name ~ '.int_privacy__pii_scan' -%}
    {%- set models = {} -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name -%}
        {%- do models.update({node.unique_id: node}) -%}
    {%- endfor -%}
    {%- set gated = models[gate_id].depends_on.nodes -%}
    {#- every model downstream of a mart, by walking the graph breadth first -#}
    {%- set below_marts = [] -%}
    {%- set frontier = [] -%}
    {%- for unique_id, node in models.items() if 'marts' in node.fqn -%}
        {%- do frontier.append(unique_id) -%}
    {%- endfor -%}
    {%- for _ in range(models | length) if frontier -%}
        {%- set next_frontier = [] -%}
        {%- for unique_id, node in models.items() if unique_id not in below_marts -%}
            {%- for parent in node.depends_on.nodes if parent in frontier and unique_id not in next_frontier -%}
                {%- do next_frontier.append(unique_id) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do below_marts.extend(next_frontier) -%}
        {%- do frontier.clear() -%}
        {%- do frontier.extend(next_frontier) -%}
    {%- endfor -%}
    {%- for unique_id, node in models.items() if unique_id != gate_id -%}
        {%- set is_staging = node.name.startswith('stg_') and not node.name.startswith('stg_audit__') -%}
        {%- set is_pre_mart = 'intermediate' in node.fqn and unique_id not in below_marts -%}
        {%- if (is_staging or is_pre_mart) and unique_id not in gated
            and node.config.materialized != 'ephemeral' -%}
            {%- do problems.append((node.name, 'not scanned before the marts')) -%}
        {%- elif 'marts' in node.fqn and gate_id not in node.depends_on.nodes -%}
            {%- do problems.append((node.name, 'published without the PII gate')) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with

validation_errors as (

    {% if problems -%}
        {%- for model_name, issue in problems %}
        select {{ sql_string(model_name) }} as model_name, {{ sql_string(issue) }} as issue
        {{- "\n        union all" if not loop.last }}
        {%- endfor %}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as issue
        where 1 = 0
    {%- endif %}

)

select * from validation_errors
