-- timestamp_text() gives the text a watermark literal is built from: cast back to a
-- timestamp it must be the value exactly, microseconds included (a text form
-- rounded to milliseconds would move a watermark, and rounded up it would skip
-- the rows loaded within the rounding). Returns the values that do not round-trip.
with

stamps as (

    select cast('2026-10-30 23:59:58.999999' as {{ dbt.type_timestamp() }}) as stamp
    union all
    select cast('2026-01-02 03:04:05.000001' as {{ dbt.type_timestamp() }})
    union all
    select cast('2026-01-02 03:04:05' as {{ dbt.type_timestamp() }})

)

select stamp
from stamps
where cast({{ segmentation.timestamp_text('stamp') }} as {{ dbt.type_timestamp() }}) != stamp
