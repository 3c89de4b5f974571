{#- What happens to each raw row in staging, decided once in the base model:
      'rejected'            a validation rule failed (rejection_reason says which)
      'exact_duplicate'     a later copy of an identical row (same fingerprint)
      'superseded_version'  an older version of a record whose latest version is kept
      'kept'                the latest valid version of the record
    Expects the columns rejection_reason, row_fingerprint and copy_number
    (row_number within the fingerprint, see copy_number()). Versions compete only
    among valid first copies; ties are broken by the fingerprint so every build keeps
    the same row. -#}
{% macro record_outcome(natural_key, version_order) -%}
    case
        when rejection_reason is not null then 'rejected'
        when copy_number > 1 then 'exact_duplicate'
        when row_number() over (
            partition by {{ natural_key }}, (rejection_reason is null and copy_number = 1)
            order by {{ version_order }}, row_fingerprint desc
        ) > 1 then 'superseded_version'
        else 'kept'
    end
{%- endmacro %}

{#- Numbers identical rows: the first copy is 1, later copies 2, 3, ... -#}
{% macro copy_number() -%}
    row_number() over (partition by row_fingerprint order by row_fingerprint)
{%- endmacro %}
