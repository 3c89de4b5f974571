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
    {%- if not segmentation.publication_runs() -%}
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
    {#- the previous-but-one publication when no reader holds it, else a new file -#}
    {%- set temporary = run_query('select segkit_publish_begin(' ~ arguments ~ ')').columns[0].values()[0] -%}
    {%- do run_query("attach " ~ segmentation.sql_string(temporary) ~ " as segkit_publication") -%}
    {%- set plan = segmentation.publication_carry_plan(marts) -%}
    {%- set carried = [] -%}
    {%- for node in marts -%}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- set outcome = segmentation.publish_mart(node, relation, plan) -%}
        {%- if outcome -%}
            {%- do carried.append(node.alias ~ ' ' ~ outcome) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set names = marts | map(attribute='alias') | list -%}
    {%- for table in run_query(
        "select table_name from duckdb_tables() where database_name = 'segkit_publication'"
        ~ " and schema_name = 'main' and table_name not in ('_publication', '_publication_state')"
    ).columns[0].values() if table not in names -%}
        {%- do run_query('drop table segkit_publication.main.' ~ adapter.quote(table)) -%}
    {%- endfor -%}
    {%- do run_query(
        "create or replace table segkit_publication.main._publication as select"
        ~ " cast(" ~ segmentation.sql_string(run_started_at.isoformat()) ~ " as timestamptz) as published_at,"
        ~ " " ~ segmentation.sql_string(invocation_id) ~ " as invocation_id,"
        ~ " " ~ segmentation.sql_string(database) ~ " as source_database,"
        ~ " (select max(as_of_date) from segkit_publication.main.customer_features) as as_of_date,"
        ~ " " ~ segmentation.sql_string(names | join(', ')) ~ " as published_tables"
    ) -%}
    {%- do run_query(
        "create or replace table segkit_publication.main._publication_state as select"
        ~ " (select coalesce(list(entry_id order by entry_id), [])"
        ~ " from " ~ segmentation.history_change_log() ~ ") as log_entries,"
        ~ " " ~ segmentation.sql_string(plan.purged_persons) ~ " as purged_persons"
    ) -%}
    {%- do run_query('detach segkit_publication') -%}
    {%- set published = run_query('select segkit_publish_commit(' ~ arguments ~ ')').columns[0].values()[0] -%}
    {{ log('published ' ~ (marts | length) ~ ' marts to ' ~ published ~ (
        ' (carried over: ' ~ carried | join(', ') ~ '; the others copied)' if carried else ' (all copied)'
    ), info=true) }}
    {{ return('') }}
{%- endmacro %}

{#- The public marts the publication carries over from the previous-but-one
    publication instead of copying them: those whose pre-hook records their
    changes (record_history_change), so the log says which as_of_dates changed. -#}
{% macro publication_carried_marts(marts) -%}
    {%- set names = [] -%}
    {%- for node in marts -%}
        {#- the graph's node dicts name the config key as in YAML: pre-hook -#}
        {%- for hook in node.config.get('pre-hook', []) if 'record_history_change(' in hook.sql -%}
            {%- do names.append(node.alias) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names | unique | list) }}
{%- endmacro %}

{#- What the file attached as segkit_publication already holds, as a dict:
    usable (it is a publication of this database's log: every log entry it reflects
    is still in the log), changes ({table: {'rebuilt': bool, 'dates': [iso dates]}}
    of the log entries it does not reflect), carried (publication_carried_marts),
    purged_persons (fingerprint of the CRM ids whose history rows the build purged,
    from on-run-end hook capture_publication_purge_set) and purge (it differs from
    the file's: the carried marts must drop those persons' rows). -#}
{% macro publication_carry_plan(marts) -%}
    {%- set log = segmentation.history_change_log() -%}
    {%- set purged = run_query(
        "select md5(coalesce(string_agg(customer_id, ',' order by customer_id), ''))"
        ~ " from (select distinct cast(customer_id as varchar) as customer_id from segkit_publication_purge_set)"
    ).columns[0].values()[0] -%}
    {%- set plan = {
        'usable': false, 'changes': {}, 'carried': segmentation.publication_carried_marts(marts),
        'purged_persons': purged, 'purge': true,
    } -%}
    {%- set has_state = run_query(
        "select count(*) from duckdb_tables() where database_name = 'segkit_publication'"
        ~ " and schema_name = 'main' and table_name = '_publication_state'"
    ).columns[0].values()[0] -%}
    {%- if has_state == 0 -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set state = 'segkit_publication.main._publication_state' -%}
    {%- set reflected = '(select unnest(log_entries) as entry_id from ' ~ state ~ ')' -%}
    {%- set foreign = run_query(
        'select count(*) from ' ~ reflected ~ ' as reflected'
        ~ ' where entry_id not in (select entry_id from ' ~ log ~ ')'
    ).columns[0].values()[0] -%}
    {%- if foreign > 0 -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- do plan.update({
        'usable': true,
        'purge': run_query('select purged_persons from ' ~ state).columns[0].values()[0] != purged,
    }) -%}
    {%- set entries = run_query(
        'select table_name, change, cast(as_of_date as varchar) from ' ~ log
        ~ ' where entry_id not in ' ~ reflected ~ ' order by all'
    ) -%}
    {%- for row in entries.rows -%}
        {%- set change = plan.changes.setdefault(row[0], {'rebuilt': false, 'dates': []}) -%}
        {%- if row[1] == 'rebuilt' -%}
            {%- do change.update({'rebuilt': true}) -%}
        {%- elif row[2] not in change.dates -%}
            {%- do change.dates.append(row[2]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(plan) }}
{%- endmacro %}

{#- Writes one mart into segkit_publication: a carried mart (plan.carried) the
    file holds with the same columns gets only the log's changed as_of_dates
    replaced and, when the deletion set changed, the purged persons' rows deleted;
    then its row count must equal the build's, else (and for every other mart) it
    is copied whole. Returns what was carried ('' when copied). -#}
{% macro publish_mart(node, relation, plan) -%}
    {%- set published = 'segkit_publication.main.' ~ adapter.quote(node.alias) -%}
    {%- set change = plan.changes.get(node.alias, {'rebuilt': false, 'dates': []}) -%}
    {%- if plan.usable and node.alias in plan.carried and not change.rebuilt
        and segmentation.published_columns_match(relation, node.alias) -%}
        {%- if change.dates -%}
            {%- set dates = [] -%}
            {%- for date in change.dates -%}
                {%- do dates.append('date ' ~ segmentation.sql_string(date)) -%}
            {%- endfor -%}
            {%- set changed = ' where as_of_date in (' ~ dates | join(', ') ~ ')' -%}
            {%- do run_query('delete from ' ~ published ~ changed) -%}
            {%- do run_query('insert into ' ~ published ~ ' select * from ' ~ relation ~ changed) -%}
        {%- endif -%}
        {%- if plan.purge -%}
            {%- do run_query(
                'delete from ' ~ published
                ~ ' where customer_id in (select customer_id from segkit_publication_purge_set)'
            ) -%}
        {%- endif -%}
        {#- total row counts: DuckDB reads them from the table's metadata, where counts
            per as_of_date would scan the whole history (0.9 s at 1M customers and
            31 stored dates); a missed date or purge changes the total -#}
        {%- set counts = run_query(
            'select (select count(*) from ' ~ relation ~ '), (select count(*) from ' ~ published ~ ')'
        ).rows[0] -%}
        {%- if counts[0] == counts[1] -%}
            {{ return((change.dates | length) ~ (' as_of date' if change.dates | length == 1 else ' as_of dates')
                ~ (', purged' if plan.purge else '')) }}
        {%- endif -%}
        {{ log('publication: ' ~ node.alias ~ ' carried over has ' ~ counts[1] ~ ' rows, the build '
            ~ counts[0] ~ '; copied whole', info=true) }}
    {%- endif -%}
    {%- do run_query('create or replace table ' ~ published ~ ' as select * from ' ~ relation) -%}
    {{ return('') }}
{%- endmacro %}

{#- Whether the table `alias` in segkit_publication has the columns (names, types,
    order) of `relation` in the build. -#}
{% macro published_columns_match(relation, alias) -%}
    {%- set columns = "select list(column_name || ' ' || data_type order by column_index) from duckdb_columns()" -%}
    {%- set built = run_query(
        columns ~ ' where database_name = ' ~ segmentation.sql_string(relation.database)
        ~ ' and schema_name = ' ~ segmentation.sql_string(relation.schema)
        ~ ' and table_name = ' ~ segmentation.sql_string(relation.identifier)
    ).columns[0].values()[0] -%}
    {%- set kept = run_query(
        columns ~ " where database_name = 'segkit_publication' and schema_name = 'main'"
        ~ ' and table_name = ' ~ segmentation.sql_string(alias)
    ).columns[0].values()[0] -%}
    {{ return(built is not none and kept is not none and built == kept) }}
{%- endmacro %}

{#- on-run-end, before the erasure hooks: keeps the CRM ids whose history rows the
    build's purge_deleted_persons() hooks deleted in a temporary table of this
    connection (in memory, gone when dbt ends), for the publication to delete them
    from the history it carries over. After the erasure hooks the identity tables
    no longer name those persons. -#}
{% macro capture_publication_purge_set() -%}
    {{ return(adapter.dispatch('capture_publication_purge_set', 'segmentation')()) }}
{%- endmacro %}

{% macro default__capture_publication_purge_set() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__capture_publication_purge_set() -%}
    {%- if not segmentation.publication_runs() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relations = segmentation.built_relations(
        {'deleted': 'int_identity__deleted_customers', 'components': 'int_identity__components'}
    ) -%}
    create or replace temporary table segkit_publication_purge_set as
    {% if relations | length == 2 -%}
        {{ segmentation.deleted_person_crm_ids(relations.components, relations.deleted) }}
    {%- else -%}
        select cast(null as varchar) as customer_id where false
    {%- endif %}
{%- endmacro %}

{#- Whether this invocation publishes: only commands that build marts (build, run;
    not test, seed, source freshness...), with var publish_marts on, at execution.
    The purge-set hook asks too, so it keeps the set exactly when it is needed. -#}
{% macro publication_runs() -%}
    {{ return(execute and var('publish_marts') and flags.WHICH in ('build', 'run')) }}
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
