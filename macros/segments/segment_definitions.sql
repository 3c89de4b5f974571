{#-
    segment_definitions(): var segment_definitions, validated. Raises a compiler error
    naming the definition for a missing or duplicate name, an unknown kind, a missing
    or non-integer priority, a malformed rule, a percentile outside (0, 100), an
    unknown operator, or (at execute time) a column customer_features does not
    document. Columns come from the customer_features node in the graph (its enforced
    contract), so validation works in `dbt compile` and unit tests before any table exists.
-#}
{% macro segment_definitions() %}
    {%- set definitions = var('segment_definitions', []) -%}
    {%- set kinds = ['threshold', 'percentile', 'rfm', 'cluster'] -%}
    {%- set operators = ['<', '<=', '>', '>=', '=', '!='] -%}
    {%- set known_columns = segment_feature_columns() -%}
    {%- set seen = {} -%}
    {%- for definition in definitions -%}
        {%- set name = definition.get('name') if definition is mapping else none -%}
        {%- if not name -%}
            {{ exceptions.raise_compiler_error("segment definition #" ~ loop.index ~ ": missing name") }}
        {%- endif -%}
        {%- set label = "segment definition '" ~ name ~ "': " -%}
        {%- set slug = segment_slug(name) -%}
        {%- if slug in seen -%}
            {{ exceptions.raise_compiler_error(label ~ "duplicate name (same column is_" ~ slug ~ " as '" ~ seen[slug] ~ "')") }}
        {%- endif -%}
        {%- do seen.update({slug: name}) -%}
        {%- if definition.get('kind') not in kinds -%}
            {{ exceptions.raise_compiler_error(label ~ "unknown kind '" ~ definition.get('kind') ~ "', expected one of " ~ kinds | join(', ')) }}
        {%- endif -%}
        {%- if definition.get('priority') is none or definition.get('priority') is not number -%}
            {{ exceptions.raise_compiler_error(label ~ "missing or non-numeric priority") }}
        {%- endif -%}
        {%- set rule = definition.get('rule') -%}
        {%- if definition.kind == 'threshold' -%}
            {%- if rule is string or rule is mapping or rule is none or rule | length == 0 -%}
                {{ exceptions.raise_compiler_error(label ~ "threshold rule must be a non-empty list of {column, operator, value}") }}
            {%- endif -%}
            {%- for condition in rule -%}
                {%- if condition.get('operator') not in operators -%}
                    {{ exceptions.raise_compiler_error(label ~ "unknown operator '" ~ condition.get('operator') ~ "', expected one of " ~ operators | join(' ')) }}
                {%- endif -%}
                {%- if condition.get('value') is none -%}
                    {{ exceptions.raise_compiler_error(label ~ "condition on '" ~ condition.get('column') ~ "' has no value") }}
                {%- endif -%}
                {{- segment_check_column(label, condition.get('column'), known_columns) -}}
            {%- endfor -%}
        {%- elif definition.kind == 'percentile' -%}
            {%- if rule is not mapping -%}
                {{ exceptions.raise_compiler_error(label ~ "percentile rule must be {column, percentile, direction}") }}
            {%- endif -%}
            {%- set percentile = rule.get('percentile') -%}
            {%- if percentile is not number or percentile <= 0 or percentile >= 100 -%}
                {{ exceptions.raise_compiler_error(label ~ "percentile " ~ percentile ~ " must be a number strictly between 0 and 100") }}
            {%- endif -%}
            {%- if rule.get('direction', 'top') not in ['top', 'bottom'] -%}
                {{ exceptions.raise_compiler_error(label ~ "direction must be top or bottom") }}
            {%- endif -%}
            {{- segment_check_column(label, rule.get('column'), known_columns) -}}
        {%- elif definition.kind == 'rfm' -%}
            {%- if rule is not mapping or not rule.get('rfm_segments') -%}
                {{ exceptions.raise_compiler_error(label ~ "rfm rule must be {rfm_segments: [names from rfm_segment_map]}") }}
            {%- endif -%}
        {%- elif definition.kind == 'cluster' -%}
            {%- if rule is not mapping or not rule.get('cluster_ids') -%}
                {{ exceptions.raise_compiler_error(label ~ "cluster rule must be {cluster_ids: [integers]}") }}
            {%- endif -%}
            {%- for cluster_id in rule.cluster_ids -%}
                {%- if cluster_id is not number -%}
                    {{ exceptions.raise_compiler_error(label ~ "cluster id '" ~ cluster_id ~ "' is not an integer") }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(definitions) }}
{% endmacro %}

{#- Columns documented on customer_features; empty (no check) at parse time and in
    unit tests, whose context has no graph. -#}
{% macro segment_feature_columns() %}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('nodes', {}).values() -%}
            {%- if node.resource_type == 'model' and node.name == 'customer_features' and node.package_name == project_name -%}
                {%- for column_name in node.columns -%}
                    {%- do columns.append(column_name | lower) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}

{% macro segment_check_column(label, column_name, known_columns) %}
    {%- if not column_name -%}
        {{ exceptions.raise_compiler_error(label ~ "rule has no column") }}
    {%- endif -%}
    {%- if known_columns and (column_name | lower) not in known_columns -%}
        {{ exceptions.raise_compiler_error(label ~ "unknown column '" ~ column_name ~ "' (not a documented column of customer_features)") }}
    {%- endif -%}
{% endmacro %}

{#- 'High Value' -> 'high_value': the wide flag is is_<slug>. -#}
{% macro segment_slug(name) %}
    {{- return(modules.re.sub('[^a-z0-9]+', '_', name | lower).strip('_')) -}}
{% endmacro %}

{#- SQL literal for a rule value: numbers as is, anything else quoted. -#}
{% macro segment_literal(value) %}
    {%- if value is boolean -%}
        {{- return('true' if value else 'false') -}}
    {%- elif value is number -%}
        {{- return(value | string) -}}
    {%- else -%}
        {{- return(segmentation.sql_string(value)) -}}
    {%- endif -%}
{% endmacro %}
