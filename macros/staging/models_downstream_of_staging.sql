{#- The built relations of every model of this project outside staging
    (intermediate and marts, SQL and Python), as a list of
    {'name': model name, 'relation': relation}, for tests that scan them all.
    Only meaningful at execution time; models not built yet are left out (logged). -#}
{% macro models_downstream_of_staging() -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.package_name == project_name
            and node.config.materialized != 'ephemeral'
            and ('intermediate' in node.fqn or 'marts' in node.fqn) -%}
            {%- set relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias
            ) -%}
            {%- if relation is none -%}
                {{ log("not built, not scanned: " ~ node.name, info=true) }}
            {%- else -%}
                {%- do found.append({'name': node.name, 'relation': relation}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- Patterns of raw PII in text: an email anywhere in the value, or a value that
    is a phone number (international '+' form, common national formats with
    separators, or 10-15 bare digits outside *_id columns). Salted hashes (64 hex
    characters) and dates match none of them. -#}
{% macro pii_email_pattern() -%}
    {{- return(".*[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}.*") -}}
{%- endmacro %}

{% macro pii_phone_pattern() -%}
    {{- return("(\\+[0-9][0-9 ().-]{6,}[0-9])|(\\(?[0-9]{2,4}\\)?[ .-][0-9]{3,4}[ .-]?[0-9]{3,4})") -}}
{%- endmacro %}

{% macro pii_bare_phone_pattern() -%}
    {{- return("[0-9]{10,15}") -}}
{%- endmacro %}
