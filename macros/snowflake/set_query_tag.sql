{#- Per-model Snowflake query tag, so warehouse cost can be attributed by model and
    layer in query_history: a JSON object {app, model, layer, target, invocation_id},
    or the model's own `query_tag` config when it sets one. dbt-snowflake calls
    set_query_tag() before and unset_query_tag() after each materialization; these
    root-project macros override its defaults. Not run on the emulator (fakesnow
    does not implement `alter session set query_tag`). -#}
{% macro set_query_tag() -%}
    {%- if not segmentation.is_snowflake_account() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set new_query_tag = segmentation.model_query_tag() -%}
    {%- set original_query_tag = get_current_query_tag() -%}
    {%- do run_query("alter session set query_tag = '" ~ new_query_tag ~ "'") -%}
    {{ return(original_query_tag) }}
{%- endmacro %}

{% macro unset_query_tag(original_query_tag) -%}
    {%- if not segmentation.is_snowflake_account() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if original_query_tag -%}
        {%- do run_query("alter session set query_tag = '" ~ original_query_tag | replace("'", "''") ~ "'") -%}
    {%- else -%}
        {%- do run_query("alter session unset query_tag") -%}
    {%- endif -%}
{%- endmacro %}

{#- The tag text, single quotes escaped for a SQL literal. -#}
{% macro model_query_tag() -%}
    {%- set configured = config.get('query_tag') -%}
    {%- if configured -%}
        {{ return(configured | replace("'", "''")) }}
    {%- endif -%}
    {%- set tag = {
        'app': 'segmentation',
        'model': model.name,
        'layer': model.fqn[1] if model.fqn | length > 2 else 'root',
        'resource_type': model.resource_type,
        'target': target.name,
        'invocation_id': invocation_id,
    } -%}
    {{ return(tojson(tag) | replace("'", "''")) }}
{%- endmacro %}
