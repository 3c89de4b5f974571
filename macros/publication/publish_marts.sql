{#- on-run-end: publish the public marts for BI readers (docs/bi.md), only after a
    run that built every public mart and had no error, failure or skip. Returns
    the SQL the hook runs (nothing: the work is done through run_query). -#}
{% macro publish_marts(results) -%}
    {{ return(adapter.dispatch('publish_marts', 'segmentation')(results)) }}
{%- endmacro %}

{#- Other engines (Snowflake): every mart is replaced atomically by its own
    create or replace, and readers never block; nothing to publish. -#}
{% macro default__publish_marts(results) -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__publish_marts(results) -%}
    {#- only commands that build marts publish (not test, seed, source freshness...) -#}
    {%- if not execute or not var('publish_marts') or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marts = segmentation.public_mart_nodes() -%}
    {%- set reason = segmentation.publication_blocker(results, marts) -%}
    {%- if reason -%}
        {{ log('publication skipped, the previous one stays: ' ~ reason, info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set database = target.path -%}
    {%- set publish_path = var('publish_path') or '' -%}
    {%- set arguments = segmentation.sql_string(database) ~ ", " ~ segmentation.sql_string(publish_path) -%}
    {%- set temporary = run_query('select segkit_publish_begin(' ~ arguments ~ ')').columns[0].values()[0] -%}
    {%- do run_query("attach " ~ segmentation.sql_string(temporary) ~ " as segkit_publication") -%}
    {%- for node in marts -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- do run_query('create table segkit_publication.main.' ~ adapter.quote(node.alias) ~ ' as select * from ' ~ relation) -%}
    {%- endfor -%}
    {%- do run_query(
        "create table segkit_publication.main._publication as select"
        ~ " cast(" ~ segmentation.sql_string(run_started_at.isoformat()) ~ " as timestamptz) as published_at,"
        ~ " " ~ segmentation.sql_string(invocation_id) ~ " as invocation_id,"
        ~ " " ~ segmentation.sql_string(database) ~ " as source_database,"
        ~ " (select max(as_of_date) from segkit_publication.main.customer_features) as as_of_date,"
        ~ " " ~ segmentation.sql_string(marts | map(attribute='alias') | join(', ')) ~ " as published_tables"
    ) -%}
    {%- do run_query('detach segkit_publication') -%}
    {%- set published = run_query('select segkit_publish_commit(' ~ arguments ~ ')').columns[0].values()[0] -%}
    {{ log('published ' ~ (marts | length) ~ ' marts to ' ~ published, info=true) }}
    {{ return('') }}
{%- endmacro %}

{#- The model nodes under models/marts except var publish_exclude_models, by name. -#}
{% macro public_mart_nodes() -%}
    {%- set nodes = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- if node.resource_type == 'model' and node.fqn[1] == 'marts'
            and node.name not in var('publish_exclude_models') -%}
            {%- do nodes.append(node) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(nodes) }}
{%- endmacro %}

{#- Why this run must not publish (empty: it may): a node errored, failed or was
    skipped, a public mart was not built in this run (a partial selection would
    publish marts of different builds side by side), or the customers or orders
    had no valid rows (empty marts would blank every dashboard: an empty delivery
    is far likelier a broken export than a business with no customers). Other
    warnings do not block. -#}
{% macro publication_blocker(results, marts) -%}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- if result.status in ('error', 'fail', 'skipped', 'runtime error') -%}
            {{ return(result.node.unique_id ~ ' ended with status ' ~ result.status) }}
        {%- endif -%}
        {%- if result.status == 'warn' and result.node.name == 'assert_customer_and_order_inputs_not_empty' -%}
            {{ return('customers or orders have no valid rows (' ~ result.node.name ~ ')') }}
        {%- endif -%}
        {%- if result.status == 'success' -%}
            {%- do built.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in marts -%}
        {%- if node.unique_id not in built -%}
            {{ return('public mart ' ~ node.name ~ ' was not built in this run') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
