{#- Web/app events attributed to a canonical customer: through the CRM id when the
    visitor was logged in, otherwise through the device (anonymous_id) once that
    device has logged in as one person (int_identity__devices), so events before
    the first login are attributed too. Events of never-identified or shared
    devices keep a null customer_id; events of persons with a deletion request are
    dropped (macro attributed_web_events, which int_events__sessions also applies
    to the events of the sessions it rebuilds).

    A view: its readers (daily counts, sessions) each aggregate it in one pass, and
    two hash joins against the identity tables cost a fraction of writing
    every event a second time (39 s of a 1M-customer build). -#}
{{ config(materialized='view') }}
with

events as (

    select * from {{ ref('stg_web__events') }}

),

final as (

    {{ attributed_web_events('events') }}

)

select * from final
