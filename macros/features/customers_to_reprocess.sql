{#- Incremental per-customer tables re-process whole customers, never whole dates.

    customers_to_reprocess(inputs, versions) is the body of a CTE listing the
    customer_id whose every stored row an incremental run recomputes from all of
    their input rows:
      - persons whose identity changed since their rows were written: their
        current identity_version (`versions`: int_identity__customer_versions, or
        int_identity__person_versions for the orders) is not the one stored on
        their rows, e.g. a late CRM record stitched guest orders to them,
        a device logged in, two records merged or split; new persons too;
      - persons with an input row loaded after the table's watermark (the greatest
        source_loaded_at stored that is not after the run's start:
        loaded_watermark(), read as a literal when the model compiles:
        delivery_watermark()): late rows of any age, new orders, order status
        changes (a new version of the order is a new row);
      - everyone, when the table has no watermark yet: a first run after an
        upgrade, or a run whose pre-hook forget_stale_rows() emptied the table
        (a past as_of on a database that already knows later loads: the one rule
        stored_rows_are_stale(), which the base models and the sessions apply
        too).
    `inputs` must expose customer_id and _loaded_at; `versions` customer_id and
    identity_version. The table must store customer_id, identity_version and
    source_loaded_at. How long ago a row's business date lies plays no part, so
    no look-back window decides correctness.

    purge_stale_customer_rows() is the matching post-hook: it deletes stored rows
    whose (customer_id, identity_version) is no longer current. That removes deleted
    persons, ids merged into another person, and rows of re-processed persons that
    now have none (e.g. a session that moved to another person). -#}
{% macro customers_to_reprocess(inputs, versions) -%}
    {#- a literal read when the model compiles, so the load-time filter reaches the
        scan of the inputs (DuckDB skips the row groups loaded before it); none when
        the table has no watermark: everyone (called unqualified, so a unit test can
        override it) -#}
    {%- set watermark = delivery_watermark(loaded_at='source_loaded_at') -%}
    {{ segmentation.customers_with_changed_identity(versions) }}
    union
    select inputs.customer_id
    from {{ inputs }} as inputs
    where
        inputs.customer_id is not null
        {%- if watermark is not none %}
        and inputs._loaded_at > {{ watermark }}
        {%- endif %}
{%- endmacro %}

{#- The first part of customers_to_reprocess(): the persons whose current
    identity_version (`versions`) is not stored on any row of the table being
    built, new persons included. Also read alone by int_events__sessions, which
    finds the rest of its work from the delivered events. -#}
{% macro customers_with_changed_identity(versions) -%}
    select versions.customer_id
    from {{ versions }} as versions
    left join (
        select distinct
            customer_id,
            identity_version
        from {{ this }}
    ) as stored
        on
            versions.customer_id = stored.customer_id
            and versions.identity_version = stored.identity_version
    where stored.customer_id is null
{%- endmacro %}

{#- Post-hook of the incremental per-customer tables (see above). The versions model
    is looked up with built_relations(), not ref(): a ref in a hook would make it an
    input of every unit test of these models. -#}
{% macro purge_stale_customer_rows(versions_model='int_identity__customer_versions') -%}
    {%- set relations = segmentation.built_relations({'versions': versions_model}) if is_incremental() else {} -%}
    {%- if relations -%}
        {#- one text key rather than a correlated subquery on the target's name, which
            engines qualify differently; md5 versions are fixed-length, so the key is
            unambiguous -#}
        delete from {{ this }}
        where customer_id || '|' || identity_version not in (
            select versions.customer_id || '|' || versions.identity_version
            from {{ relations.versions }} as versions
        )
    {%- else -%}
        select 1 as nothing_to_purge
    {%- endif -%}
{%- endmacro %}

{#- The body of the CTE a per-customer incremental table aggregates: every row of
    `inputs` on a full build; on an incremental run, all rows (whatever their date)
    of the customers customers_to_reprocess(inputs, versions) names. -#}
{% macro inputs_to_reprocess(inputs, versions) -%}
    {%- if is_incremental() %}
        select {{ inputs }}.*
        from {{ inputs }}
        inner join (
            {{ segmentation.customers_to_reprocess(inputs, versions) }}
        ) as customers_to_process
            on {{ inputs }}.customer_id = customers_to_process.customer_id
    {%- else %}
        select * from {{ inputs }}
    {%- endif %}
{%- endmacro %}
