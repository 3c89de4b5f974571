{#- What happens to each raw row in staging, decided once in the base model:
      'rejected'            a validation rule failed (rejection_reason says which)
      'exact_duplicate'     an older copy of an identical raw row (same row_fingerprint)
      'near_duplicate'      an older copy of the same record that differs only in
                            formatting or system timestamps (same record_fingerprint,
                            computed on the normalised business values: e.g. an email
                            re-sent in another case or with whitespace)
      'superseded_version'  an older version of a record whose latest version is kept
      'kept'                the latest valid version of the record
    Expects the columns rejection_reason, row_fingerprint, copy_number and
    is_exact_copy (see copy_number() and is_exact_copy()). Versions compete only among valid first
    copies; ties are broken by the fingerprint so every build keeps the same row. -#}
{% macro record_outcome(natural_key, version_order) -%}
    case
        when rejection_reason is not null then 'rejected'
        when copy_number > 1 and is_exact_copy then 'exact_duplicate'
        when copy_number > 1 then 'near_duplicate'
        when row_number() over (
            partition by {{ natural_key }}, (rejection_reason is null and copy_number = 1)
            order by {{ version_order }}, row_fingerprint desc
        ) > 1 then 'superseded_version'
        else 'kept'
    end
{%- endmacro %}

{#- copy_number numbers the copies of one normalised record (record_fingerprint,
    which leaves out system timestamps such as updated_at and _loaded_at): the
    newest copy, by version_order, is 1. -#}
{% macro copy_number(version_order) -%}
    row_number() over (
        partition by record_fingerprint order by {{ version_order }}, row_fingerprint
    )
{%- endmacro %}

{#- Whether a copy repeats the raw values of a newer copy exactly (same
    row_fingerprint), as opposed to a reformatted near duplicate. Needs copy_number
    from a previous CTE: identical rows tie in every order, so this compares with
    the first copy number of the same raw fingerprint instead of ranking again. -#}
{% macro is_exact_copy() -%}
    copy_number > min(copy_number) over (partition by record_fingerprint, row_fingerprint)
{%- endmacro %}

{#- The outcomes, as a list (accepted values of record_outcome). -#}
{% macro record_outcomes() -%}
    {{ return(['kept', 'rejected', 'exact_duplicate', 'near_duplicate', 'superseded_version']) }}
{%- endmacro %}

{#- The three CTEs every base model ends with, after its `validated` CTE: number
    the copies of each record, tell exact copies from near duplicates, decide the
    outcome. Renders `numbered`, `copies` and `final`; the model then selects
    from final. -#}
{% macro record_outcome_ctes(validated_cte, natural_key, version_order) -%}
numbered as (

    select
        *,
        {{ copy_number(version_order) }} as copy_number

    from {{ validated_cte }}

),

copies as (

    select
        *,
        {{ is_exact_copy() }} as is_exact_copy

    from numbered

),

final as (

    select
        *,
        {{ record_outcome(natural_key, version_order) }} as record_outcome

    from copies

)
{%- endmacro %}
