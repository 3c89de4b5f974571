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
      - with previous_owners (the arguments of owners_of_redelivered_keys()
        but the watermark), persons who own an older version of a row delivered
        again: a later version may move the row to someone else, and the
        person it left must lose it;
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
{% macro customers_to_reprocess(inputs, versions, previous_owners=none) -%}
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
    {%- if watermark is not none and previous_owners is not none %}
    union
    {{ segmentation.owners_of_redelivered_keys(watermark=watermark, **previous_owners) }}
    {%- endif %}
{%- endmacro %}

{#- The third part of customers_to_reprocess(), for inputs whose rows a later
    version may move to another customer (an order re-attributed to another CRM
    id, an event to another device): the customers who own, through today's
    identity tables (the CRM id's customer, else the device's), any raw version
    (kept or not) of a key with a version loaded at or after the watermark. The
    delivered version names the new owner (the second part); only the older
    versions name the one who loses the row, whose stored rows would otherwise
    keep counting it. An owner whose identity changed is found by the first part
    anyway.
    base_model: the base model of the input's source (every version, with
    record_outcome); key: its natural key; crm_id: its column of CRM customer ids
    (joined to int_identity__components' customer nodes); device_id: optionally,
    its column of device ids (joined to int_identity__devices). The caller
    declares the refs with `-- depends_on` (this runs on incremental runs only). -#}
{% macro owners_of_redelivered_keys(watermark, base_model, key, crm_id, device_id=none) -%}
    {#- the versions are read once and attributed as attributed_web_events() and
        int_orders__resolved attribute a row: by its CRM id, else by its device -#}
    select owners.customer_id
    from (
        select
            {%- if device_id is not none %}
            coalesce(by_crm.customer_id, by_device.customer_id)
            {%- else %}
            by_crm.customer_id
            {%- endif %} as customer_id
        from (
            select
                versions.{{ crm_id }} as crm_id
                {%- if device_id is not none %},
                versions.{{ device_id }} as device_id
                {%- endif %}
            from {{ ref(base_model) }} as versions
            where versions.{{ key }} in (
                select delivered.{{ key }}
                from {{ ref(base_model) }} as delivered
                where delivered._loaded_at >= {{ watermark }}
            )
        ) as redelivered
        left join (
            {{ segmentation.identity_nodes(ref('int_identity__components'), 'customer', 'crm_id') }}
        ) as by_crm
            on redelivered.crm_id = by_crm.crm_id
        {%- if device_id is not none %}
        left join {{ ref('int_identity__devices') }} as by_device
            on redelivered.device_id = by_device.anonymous_id
        {%- endif %}
    ) as owners
    where owners.customer_id is not null
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
{% macro purge_stale_customer_rows(versions_model='int_identity__customer_versions', forget_emptied=false) -%}
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
        {%- if forget_emptied %}
        -- the rows with_emptied_keys() wrote to replace a key's stored rows
        or identity_version is null
        {%- endif %}
    {%- else -%}
        select 1 as nothing_to_purge
    {%- endif -%}
{%- endmacro %}

{#- The select an incremental run of a keyed table ends with: its rows (`final`)
    and, for every key it processed (`processed`: a relation or CTE with the
    `key` column) but no longer emits, one row with that key and every other
    column null, identity_version included; only for keys the table stores (a
    customer without any input row, re-processed as new every night, has nothing
    to forget). delete+insert (unique_key `key`) replaces the key's stored rows
    with it, and the post-hook purge_stale_customer_rows(forget_emptied=true)
    deletes it, so the key's stored rows are gone, as a rebuild would leave
    them: a customer whose only order moved to another CRM id, a session whose
    events all moved to other sessions or became anonymous. Without it delete+insert would keep them,
    since it replaces only the keys it is given rows for. The key comes first
    in both parts (`final`'s own order does not matter: delete+insert inserts
    by column name). `final` is read three times: make it a materialized_cte()
    on incremental runs. -#}
{% macro with_emptied_keys(final, processed, key) -%}
    select
        {{ final }}.{{ key }},
        {{ final }}.* exclude ({{ key }})
    from {{ final }}
    union all
    select
        emptied.{{ key }},
        {{ final }}.* exclude ({{ key }})
    from (
        select distinct processed.{{ key }}
        from {{ processed }} as processed
        where
            processed.{{ key }} in (select stored.{{ key }} from {{ this }} as stored)
            and not exists (
                select 1
                from {{ final }} as emitted
                where emitted.{{ key }} = processed.{{ key }}
            )
    ) as emptied
    left join {{ final }}
        on 1 = 0
{%- endmacro %}
