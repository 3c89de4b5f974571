{#- The email syntax accepted by validation (on a normalised, lower-case email):
    a local part without whitespace, '@' or the characters "(),:;<>; one '@'; one
    or more domain labels (letters or digits of any script, inner hyphens) each
    followed by a dot; a top-level domain of 2+ non-digit, non-punctuation
    characters, or a punycode label ('xn--...'). So internationalised addresses
    (josé@exämple.com, 用户@例子.中国, user@xn--exmple-cua.com) are valid, while the
    typos of forms ('a@', 'a.example.com', 'a b@c.com', 'a@@c.com', 'a@c',
    'a@c..com') are not. POSIX classes only: [:punct:] and [:space:] are ASCII in
    RE2 (DuckDB) and Snowflake alike, so every non-ASCII character counts as a
    letter. Deliberately simple: it rejects typos, it does not implement RFC 5322
    or IDNA. -#}
{% macro email_pattern() -%}
    {%- set local_part = '[^[:space:]@"(),:;<>]+' -%}
    {%- set label = '[^[:space:][:punct:]]+(-+[^[:space:][:punct:]]+)*' -%}
    {%- set top_level_domain = '([^[:space:][:punct:][:digit:]]{2,}|xn--[a-z0-9-]+)' -%}
    {{- return(local_part ~ '@(' ~ label ~ '\\.)+' ~ top_level_domain) -}}
{%- endmacro %}
