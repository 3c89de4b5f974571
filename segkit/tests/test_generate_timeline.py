"""Tests for the generator's life-cycle behaviours and timeline mode: deterministic
delivery files, each holding only the rows loaded on its date, that add up to the
one-file output with lifecycle on; the planted happenings inside the delivered days,
counted here in SQL on the files (not with the generator's own code) and compared
with ``_timeline.json``; the status-change and late-CRM shapes; the CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segkit.generate import (
    HAPPENINGS,
    SCHEMAS,
    TABLES,
    DirtRates,
    GeneratorConfig,
    daily_floor,
    generate_timeline,
    generate_with_manifest,
    main,
)
from segkit.generate.lifecycle import pick_per_day
from segkit.generate.timeline import (
    correction_days,
    deletion_days,
    late_crm_days,
    status_change_days,
)

# Many exact copies, so counting a happening once per order or customer is exercised;
# ten days, so the delivered days also hold sign-ups (none in the last week of history).
CONFIG = GeneratorConfig(customers=800, seed=5, dirt=DirtRates(exact_duplicates=0.2))
DAYS = 10
END = "2026-10-31"
FIRST_DAY = "2026-10-22"
BACKFILL = "2026-10-21"

# The happenings as _timeline.json defines them, restated in SQL on the delivered rows:
# (kind, query returning (load date, count)).
HAPPENING_SQL = {
    "late_crm_records": """
        with crm as (
            select customer_id, min(_loaded_at) as loaded_at from customers
            where customer_id is not null group by 1),
        named as (
            select customer_id, min(_loaded_at) as loaded_at from (
                select customer_id, _loaded_at from orders
                union all select customer_id, _loaded_at from events)
            where customer_id is not null group by 1)
        select cast(crm.loaded_at as date), count(*) from crm join named using (customer_id)
        where cast(named.loaded_at as date) < cast(crm.loaded_at as date) group by 1""",
    "order_status_changes": """
        select cast(f._loaded_at as date), count(distinct f.order_id) from orders as f
        where f.order_id is not null and lower(trim(f.status)) in ('refunded', 'cancelled')
          and exists (select 1 from orders as c where c.order_id = f.order_id
                      and lower(trim(c.status)) = 'completed' and c.updated_at < f.updated_at)
        group by 1""",
    "order_corrections": """
        select cast(f._loaded_at as date), count(distinct f.order_id) from orders as f
        where f.order_id is not null and f.customer_id is not null
          and exists (select 1 from orders as e where e.order_id = f.order_id
                      and e.customer_id is not null and e.customer_id <> f.customer_id
                      and e.updated_at < f.updated_at)
        group by 1""",
    "deletion_requests_by_id": """
        select cast(_loaded_at as date), count(*) from deletion_requests
        where customer_id is not null group by 1""",
    "deletion_requests_by_email": """
        select cast(_loaded_at as date), count(*) from deletion_requests
        where customer_id is null and email is not null group by 1""",
    "unsubscribes": """
        select cast(_loaded_at as date), count(*) from email_events
        where event_type = 'unsubscribe' group by 1""",
    "consent_revocations": """
        select cast(_loaded_at as date), count(*) from consent_events
        where status = 'revoked' group by 1""",
}


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("timeline")
    return out, generate_timeline(CONFIG, DAYS, out)


@pytest.fixture(scope="module")
def con(timeline) -> duckdb.DuckDBPyConnection:
    out, _ = timeline
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for name in TABLES:
        con.execute(f"create view {name} as select * from read_parquet('{out}/{name}/*.parquet')")
    return con


def files(out: Path) -> dict[str, list[Path]]:
    return {name: sorted((out / name).glob("*.parquet")) for name in TABLES}


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


# --------------------------------------------------------------------------- layout


def test_timeline_is_byte_identical_for_the_same_config_and_days(timeline, tmp_path) -> None:
    out, _ = timeline
    generate_timeline(CONFIG, DAYS, tmp_path)
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for path in written:
        assert (out / path).read_bytes() == (tmp_path / path).read_bytes(), path
    other = tmp_path / "other_seed"
    generate_timeline(dataclasses.replace(CONFIG, seed=6), DAYS, other)
    assert (other / "orders" / f"{END}.parquet").read_bytes() != (
        out / "orders" / f"{END}.parquet"
    ).read_bytes()


def test_every_file_holds_only_rows_loaded_on_its_date(timeline) -> None:
    out, meta = timeline
    delivered = [str(np.datetime64(FIRST_DAY) + i) for i in range(DAYS)]
    assert meta["backfill_date"] == BACKFILL and meta["delivery_dates"] == delivered
    assert meta["days"] == DAYS and meta["end_date"] == END
    for name, paths in files(out).items():
        assert paths[0].stem == BACKFILL, name  # every table has rows, so a backfill
        assert {p.stem for p in paths} <= {BACKFILL, *delivered}, name
        for path in paths:
            table = pq.read_table(path)
            assert table.schema == SCHEMAS[name], path
            assert meta["rows"][path.stem][name] == table.num_rows, path
            dates = set(table.column("_loaded_at").cast(pa.date32()).to_pylist())
            if path.stem == BACKFILL:
                assert all(str(d) < FIRST_DAY for d in dates), path
            else:
                assert table.num_rows > 0 and {str(d) for d in dates} == {path.stem}, path
    assert sum(meta["rows"][BACKFILL].values()) > sum(meta["rows"][END].values()) > 0
    assert json.loads((out / "_timeline.json").read_text()) == meta


def test_deliveries_add_up_to_the_lifecycle_one_file_output(timeline, con) -> None:
    out, _ = timeline
    tables, manifest = generate_with_manifest(dataclasses.replace(CONFIG, lifecycle=True))
    assert json.loads((out / "_manifest.json").read_text()) == manifest
    assert manifest["lifecycle"] is True
    for name, table in tables.items():
        con.register(f"one_{name}", table)
        assert scalar(con, f"select count(*) from {name}") == table.num_rows, name
        for a, b in ((name, f"one_{name}"), (f"one_{name}", name)):
            missing = scalar(con, f"select count(*) from (from {a} except all from {b})")
            assert missing == 0, (name, a, b)


def test_a_short_timeline_is_the_tail_of_a_longer_one(timeline, tmp_path) -> None:
    out, meta = timeline
    generate_timeline(CONFIG, 3, tmp_path)
    for name in TABLES:
        for path in (tmp_path / name).glob("*.parquet"):
            if path.stem >= "2026-10-29":  # the 3 delivered days, not its backfill
                assert path.read_bytes() == (out / name / path.name).read_bytes(), path
    longer = json.loads((tmp_path / "_timeline.json").read_text())
    for day in longer["delivery_dates"]:
        assert longer["happenings"][day] == meta["happenings"][day]


# --------------------------------------------------------------------------- happenings


def test_planted_happenings_fall_in_the_delivered_days_as_timeline_json_counts(
    timeline, con
) -> None:
    _, meta = timeline
    assert set(meta["happenings"]) == set(meta["delivery_dates"])
    for kind in HAPPENINGS:
        observed = {str(day): count for day, count in con.execute(HAPPENING_SQL[kind]).fetchall()}
        written = {day: counts[kind] for day, counts in meta["happenings"].items()}
        assert written == {day: observed.get(day, 0) for day in written}, kind
        assert meta["happenings_total"][kind] == sum(written.values()), kind
        # several in a week, not one in expectation: a floor per day, minus what dirt undoes
        assert sum(written.values()) >= DAYS * daily_floor(CONFIG.customers) - 2, kind
        assert sum(day > 0 for day in written.values()) >= DAYS - 2, kind
    for kind in ("deletion_requests_by_id", "deletion_requests_by_email"):
        assert meta["happenings_total"][kind] >= max(2, 0.002 * CONFIG.customers), kind


def test_a_status_change_is_the_same_order_completed_then_refunded_or_cancelled(con) -> None:
    changes = con.execute(
        f"""
        with versions as (
            select order_id, lower(trim(status)) as status, updated_at, _loaded_at,
                try_cast(ordered_at as timestamptz) as ordered_at_utc
            from orders where order_id is not null),
        first_versions as (
            select order_id, arg_min(_loaded_at, updated_at) as loaded_at,
                min(updated_at) as updated_at, any_value(ordered_at_utc) as ordered_at_utc
            from versions where status = 'completed' group by 1)
        select f.order_id, f.updated_at, f._loaded_at, c.updated_at, c.loaded_at,
            c.ordered_at_utc, (select min(_loaded_at) from order_lines as l
                               where l.order_id = f.order_id) as lines_loaded_at
        from versions as f join first_versions as c using (order_id)
        where f.status in ('refunded', 'cancelled') and c.updated_at < f.updated_at
          and cast(f._loaded_at as date) >= date '{FIRST_DAY}'"""
    ).fetchall()
    assert len(changes) >= 5
    late_first = 0
    for _, final_at, final_loaded, first_at, first_loaded, ordered, lines_loaded in changes:
        assert final_loaded > final_at > first_at
        if ordered is not None and ordered.year < 2030:  # not unparseable / future dirt
            ordered = ordered.replace(tzinfo=None)
            assert 1 <= (final_at - ordered).total_seconds() / 86_400 <= 30
            assert 1 <= (first_at - ordered).total_seconds() / 60 <= 60
        if (first_loaded - first_at).total_seconds() < 3 * 3600:  # not late dirt
            assert lines_loaded == first_loaded  # the lines arrive with the first version
            assert first_loaded.date() < final_loaded.date()  # in an earlier delivery
        else:
            late_first += 1
    assert late_first <= len(changes) // 4


def test_an_order_correction_names_another_customer_a_day_or_more_later(con) -> None:
    corrections = con.execute(
        f"""
        select f.order_id, e.customer_id, f.customer_id, lower(trim(e.status)),
            lower(trim(f.status)), e._loaded_at, f.updated_at, f._loaded_at,
            (select min(_loaded_at) from order_lines as l where l.order_id = f.order_id)
        from orders as f join orders as e using (order_id)
        where f.customer_id <> e.customer_id and e.updated_at < f.updated_at
          and cast(f._loaded_at as date) >= date '{FIRST_DAY}'"""
    ).fetchall()
    assert len(corrections) >= DAYS - 2
    late_first = 0
    for _, before, after, first_status, status, first_loaded, fixed_at, fixed_loaded, lines in corrections:
        assert before != after and first_status == status == "completed"
        assert fixed_loaded > fixed_at
        if lines is not None and lines == first_loaded:  # not late or dropped dirt
            # the lines stay with the order's first delivery, a day or more before
            assert (fixed_at - first_loaded).total_seconds() >= 0
            assert first_loaded.date() < fixed_loaded.date()
        else:
            late_first += 1
    assert late_first <= len(corrections) // 4
    # the new customer is someone the CRM knows
    unknown = scalar(con, f"""
        select count(*) from orders as f join orders as e using (order_id)
        where f.customer_id <> e.customer_id and e.updated_at < f.updated_at
          and cast(f._loaded_at as date) >= date '{FIRST_DAY}'
          and f.customer_id not in (select customer_id from customers where customer_id is not null)""")
    assert unknown <= len(corrections) // 4


def test_late_crm_record_lands_after_the_customers_first_order(con) -> None:
    late = con.execute(
        f"""
        with crm as (
            select customer_id, min(_loaded_at) as crm_loaded_at from customers
            where customer_id is not null group by 1),
        first_orders as (
            select customer_id, min(_loaded_at) as order_loaded_at from orders
            where customer_id is not null group by 1)
        select customer_id, order_loaded_at, crm_loaded_at from crm join first_orders
            using (customer_id)
        where order_loaded_at < crm_loaded_at - interval 1 day
          and crm_loaded_at >= timestamp '{FIRST_DAY}'"""
    ).fetchall()
    assert len(late) >= DAYS - 2
    for _, order_loaded_at, crm_loaded_at in late:
        assert (crm_loaded_at - order_loaded_at).days <= 31
    # the warehouse saw the first order in an earlier delivery than the CRM record
    assert all(order.date() < crm.date() for _, order, crm in late)


def test_deletion_requests_name_customers_with_earlier_history(con) -> None:
    requests = con.execute(
        f"""
        select r.request_id, min(c._loaded_at) as crm_loaded_at,
            min(try_cast(c.signup_at as timestamptz)) filter (
                where try_cast(c.signup_at as timestamptz) < timestamp '2030-01-01'
            ) as signed_up_at
        from deletion_requests as r join customers as c
          on c.customer_id = r.customer_id
          or (r.customer_id is null and lower(trim(c.email)) = lower(trim(r.email)))
        where cast(r._loaded_at as date) >= date '{FIRST_DAY}' group by 1"""
    ).fetchall()
    assert len(requests) >= 2 * DAYS - 2
    assert all(str(crm.date()) < FIRST_DAY for _, crm, _ in requests)
    # signed up two months or more before the first delivered day: history to delete
    well_before = str(np.datetime64(FIRST_DAY) - 60)
    assert sum(str(signup.date()) <= well_before for *_, signup in requests) >= 2 * DAYS - 2
    upper = scalar(
        con,
        f"""select count(*) from deletion_requests where customer_id is null
            and email = upper(email) and cast(_loaded_at as date) >= date '{FIRST_DAY}'""",
    )
    assert upper >= 1  # the email as typed, sometimes in capitals


def test_revocations_stop_the_email_sends(con) -> None:
    # over the whole history: the last campaigns go out before a short delivery window
    revoked, sends_after = con.execute(
        """
        with revocations as (
            select customer_id, min(try_cast(occurred_at as timestamptz)) as revoked_at
            from consent_events
            where status = 'revoked' and purpose = 'marketing_email'
              and try_cast(occurred_at as timestamptz) < timestamp '2030-01-01'
            group by 1)
        select count(distinct revocations.customer_id), count(e.customer_id) from revocations
        left join email_events as e on e.customer_id = revocations.customer_id
            and e.event_type = 'send'
            -- a send goes out up to half an hour after the campaign's time; the
            -- future_timestamps dirt moves a few rows to 2031
            and try_cast(e.occurred_at as timestamptz)
                between revocations.revoked_at + interval 1 hour and timestamp '2030-01-01'"""
    ).fetchall()[0]
    assert revoked > 50 and sends_after == 0


# --------------------------------------------------------------------------- pieces


def test_pick_per_day_respects_eligibility_and_never_picks_twice() -> None:
    starts = np.arange(5) * 86_400
    lo = np.array([0, 0, 86_400, 3 * 86_400, 10**9, 0])

    def eligible(start: int) -> np.ndarray:
        return lo <= start

    chosen, days = pick_per_day(np.random.default_rng(1), starts, 2, eligible, np.eye(6)[5] > 0)
    assert len(np.unique(chosen)) == len(chosen)
    assert 4 not in chosen and 5 not in chosen  # never eligible / already taken
    assert all(lo[c] <= d for c, d in zip(chosen, days, strict=True))
    assert max(np.bincount(days // 86_400)) <= 2 and len(chosen) == 4


def ts(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def test_happening_counts_follow_their_definitions_on_hand_made_rows() -> None:
    day = np.datetime64("2026-10-20", "D").astype("int64")
    customers = pa.table(
        {
            "customer_id": ["C1", "C2", "C3", "C3", None],
            "_loaded_at": [ts(f"2026-10-20T{h}") for h in ("09", "09", "09", "08", "09")],
        }
    )
    named = pa.table(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "_loaded_at": [
                ts("2026-10-19T23:00"),  # the day before: C1's record is late
                ts("2026-10-20T01:00"),  # the same day, before the record: not late
                ts("2026-10-19T08:00"),  # C3's first record row lands 10-20 08:00: late
                ts("2026-10-01T00:00"),  # no CRM record at all
            ],
        }
    )
    assert sorted(late_crm_days(customers, named).tolist()) == [day, day]
    orders = pa.table(
        {
            "order_id": ["O1", "O1", "O1", "O2", "O2", "O3", None],
            "status": [
                "completed",
                "REFUNDED",
                "REFUNDED",
                "Completed",
                "cancelled",
                "refunded",
                "refunded",
            ],
            "updated_at": [
                ts("2026-10-01"),
                ts("2026-10-19"),
                ts("2026-10-19"),
                ts("2026-10-20"),
                ts("2026-10-19"),
                ts("2026-10-19"),
                ts("2026-10-19"),
            ],
            "_loaded_at": [
                ts("2026-10-01"),
                ts("2026-10-20"),
                ts("2026-10-20"),
                ts("2026-10-20"),
                ts("2026-10-20"),
                ts("2026-10-20"),
                ts("2026-10-20"),
            ],
        }
    )  # only O1 (its copy counted once): O2 was completed after, O3 never completed
    assert status_change_days(orders).tolist() == [day]
    moved = pa.table(
        {
            "order_id": ["O1", "O1", "O1", "O2", "O2", "O3", "O3", None],
            "customer_id": ["C1", "C2", "C2", "C1", "C1", "C1", None, "C2"],
            "updated_at": [ts("2026-10-01"), ts("2026-10-19"), ts("2026-10-19"), ts("2026-10-01"),
                           ts("2026-10-19"), ts("2026-10-01"), ts("2026-10-19"), ts("2026-10-19")],
            "_loaded_at": [ts("2026-10-01")] + [ts("2026-10-20")] * 7,
        }
    )  # only O1 (its copy counted once): O2 keeps its customer, O3 became a guest
    assert correction_days(moved).tolist() == [day]
    deletions = pa.table(
        {
            "customer_id": ["C1", None, None],
            "email": [None, "A@EXAMPLE.COM", None],
            "_loaded_at": [ts("2026-10-20")] * 3,
        }
    )
    found = deletion_days(deletions)
    assert found["deletion_requests_by_id"].tolist() == [day]
    assert found["deletion_requests_by_email"].tolist() == [day]


def test_lifecycle_rows_never_land_after_the_end_date() -> None:
    tables, manifest = generate_with_manifest(
        GeneratorConfig(customers=300, seed=2, end_date="2025-03-31", lifecycle=True)
    )
    last = np.datetime64("2025-03-31T23:59:59")
    for name, table in tables.items():
        loaded = table.column("_loaded_at").to_numpy().astype("datetime64[s]")
        assert loaded.max() <= last, name
    assert manifest["lifecycle_days"] == 30
    classic = generate_with_manifest(GeneratorConfig(customers=300, seed=2))[1]
    assert "lifecycle" not in classic and "lifecycle_days" not in classic


# --------------------------------------------------------------------------- CLI


def test_cli_days_writes_a_timeline_and_refuses_zero_days(tmp_path: Path, capsys) -> None:
    out = tmp_path / "timeline"
    args = ["--customers", "300", "--seed", "3", "--end-date", "2026-06-30", "--out", str(out)]
    assert main([*args, "--days", "4"]) == 0
    meta = json.loads((out / "_timeline.json").read_text())
    assert meta["delivery_dates"] == ["2026-06-27", "2026-06-28", "2026-06-29", "2026-06-30"]
    assert meta["backfill_date"] == "2026-06-26" and meta["customers"] == 300
    assert (out / "customers" / "2026-06-26.parquet").exists()
    assert "backfill 2026-06-26 + 4 deliveries" in capsys.readouterr().out
    # a second run with fewer days leaves no stale delivery of the first behind
    assert main([*args, "--days", "2"]) == 0
    assert sorted(p.stem for p in (out / "orders").glob("*.parquet")) == [
        "2026-06-28",
        "2026-06-29",
        "2026-06-30",
    ]
    for bad in ("0", "-1"):
        with pytest.raises(SystemExit):
            main([*args, "--days", bad])
    with pytest.raises(ValueError, match="days must be at least 1"):
        generate_timeline(CONFIG, 0, tmp_path / "never")


def test_cli_lifecycle_one_file_matches_the_in_memory_output(tmp_path: Path) -> None:
    assert main(["--customers", "200", "--seed", "4", "--lifecycle", "--out", str(tmp_path)]) == 0
    tables, manifest = generate_with_manifest(
        GeneratorConfig(customers=200, seed=4, lifecycle=True)
    )
    assert json.loads((tmp_path / "_manifest.json").read_text()) == manifest
    for name, table in tables.items():
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(table), name
