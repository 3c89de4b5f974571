"""Soak test: do months of nightly incremental builds stay equal to a rebuild?

Users run ``dbt build`` every night on one database. The soak replays that on a
generated timeline and, after every night, compares the nightly database with two
references built from scratch, and its history marts with a rebuild of them::

    python -m segkit.soak --days 30 --customers 2000 --seed 42 --work data/soak --out soak/results

Per night (night 0 = the timeline's backfill date, then each delivered date D):

1. deliver: ``<work>/landing/<table>/`` gets (hard links to) every delivery file dated <= D;
2. nightly: ``dbt build --vars '{as_of: D}'`` on the persistent ``<work>/nightly.duckdb``,
   with every test; it must pass;
3. reference "full_refresh": a new database, ``dbt build --full-refresh`` on the same
   landing folder, as_of D, without tests;
4. reference "point_in_time": a new database whose raw folder holds every delivery of
   the timeline, future ones included, except the deletion requests dated after D
   (``deliveries.POINT_IN_TIME_HELD_BACK``), as_of D, without tests;
5. compare the nightly database with each reference, table by table and row by row, in
   SQL (``compare``);
6. reference "history_refresh": the marts computed from the stored histories
   (``tables.HISTORY_MARTS``), which no build from scratch can reproduce, rebuilt with
   ``--full-refresh`` on a copy of the nightly database and compared on every as_of
   date. The reference databases are removed afterwards;
7. "published": the file the nightly build published for BI readers, which carries the
   history marts over from the previous-but-one publication, against the nightly
   database, every mart on every as_of date, exactly (``compare.compare_published``).

Modules: ``deliveries`` (timeline files per night), ``tables`` (what is compared, on
which key, and the written exclusions), ``compare`` (the comparator), ``builds`` (one
dbt process), ``results`` (latest.json / latest.md, the summary line), ``run`` (the
nights and the command line). The timeline comes from ``python -m segkit.generate
--days``; ``--timeline DIR`` soaks a ready folder instead.
"""
