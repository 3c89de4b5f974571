"""Timeline mode: the world of one life-cycle run, delivered the way a landing zone
(Fivetran, Airbyte, an S3 drop) receives it, one file per table and load day::

    <out>/<table>/<YYYY-MM-DD>.parquet   rows whose _loaded_at falls on that UTC date
    <out>/_manifest.json                 as in one-file mode (GeneratorConfig.lifecycle on)
    <out>/_timeline.json                 dates, rows per file, planted happenings per day

The last ``days`` days up to ``end_date`` are delivered one file per day; everything
loaded earlier is one backfill file per table, named by the day before the first
delivered day, so the files load in name order. A (table, day) without rows has no
file, but a table with any row always has its backfill. Concatenating a table's files
gives exactly the rows of the one-file output of the same config with lifecycle on.

The happenings in ``_timeline.json`` are counted on the rows as written, dirt and all
(a deletion request whose customer_id the null_keys dirt removed no longer counts as
by id), per delivered day:

- late_crm_records: customer_ids whose first customers row lands that day after an
  order or event naming them landed on an earlier day;
- order_status_changes: order_ids with a refunded/cancelled row landing that day and
  a completed row updated before it;
- order_corrections: order_ids with a row landing that day that names another
  customer_id than a row of the same order updated before it (both named);
- deletion_requests_by_id / _by_email: requests landing that day naming a customer_id
  / only an email;
- unsubscribes: email_events of type 'unsubscribe'; consent_revocations:
  consent_events with status 'revoked', landing that day.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .common import DAY, epoch_seconds
from .config import GeneratorConfig
from .run import Run
from .schemas import SCHEMAS, TABLES
from .writer import ROW_GROUP_ROWS, parquet_writer, write_manifest

HAPPENINGS = (
    "late_crm_records",
    "order_status_changes",
    "order_corrections",
    "deletion_requests_by_id",
    "deletion_requests_by_email",
    "unsubscribes",
    "consent_revocations",
)
DELIVERY_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].parquet"


def _date(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def load_days(table: pa.Table) -> np.ndarray:
    """UTC day number (days since 1970-01-01) of each row's ``_loaded_at``."""
    return epoch_seconds(table.column("_loaded_at")) // DAY


def count_by_day(days: np.ndarray) -> dict[int, int]:
    values, counts = np.unique(days, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def split_by_day(table: pa.Table, backfill_day: int) -> Iterator[tuple[int, pa.Table]]:
    """(load day, rows) per load day, every day before the delivered ones folded into
    ``backfill_day``; rows keep their order within a day."""
    if table.num_rows == 0:
        return
    day = np.maximum(load_days(table), backfill_day)
    order = np.argsort(day, kind="stable")
    day = day[order]
    cuts = np.flatnonzero(np.diff(day)) + 1
    ordered = table.take(pa.array(order))
    for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(day)].tolist(), strict=True):
        yield int(day[lo]), ordered.slice(lo, hi - lo)


def write_deliveries(
    folder: Path, name: str, chunks: Iterable[pa.Table], backfill_day: int, last_day: int
) -> dict[int, int]:
    """Write one table's delivery files chunk by chunk (a chunk becomes a row group of
    each file it has rows for, so memory stays at one chunk). Returns rows per day."""
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[int, pq.ParquetWriter] = {}
    rows: dict[int, int] = {}
    try:
        for chunk in chunks:
            for day, part in split_by_day(chunk, backfill_day):
                if day > last_day:
                    raise ValueError(f"{name}: rows loaded on {_date(day)}, after the end date")
                if day not in writers:
                    writers[day] = parquet_writer(folder / f"{_date(day)}.parquet", SCHEMAS[name])
                writers[day].write_table(part, row_group_size=ROW_GROUP_ROWS)
                rows[day] = rows.get(day, 0) + part.num_rows
        if rows and backfill_day not in writers:  # the first delivery always exists
            writers[backfill_day] = parquet_writer(
                folder / f"{_date(backfill_day)}.parquet", SCHEMAS[name]
            )
    finally:
        for writer in writers.values():
            writer.close()
    return rows


def first_loaded(table: pa.Table, key: str, column: str) -> pa.Table:
    """(key, first _loaded_at as ``column``) per non-null key."""
    keyed = table.select([key, "_loaded_at"]).filter(pc.is_valid(table.column(key)))
    first = keyed.group_by(key).aggregate([("_loaded_at", "min")])
    return first.select([key, "_loaded_at_min"]).rename_columns([key, column])


def late_crm_days(customers: pa.Table, named: pa.Table) -> np.ndarray:
    """Load day of each late CRM record: a customer_id's first customers row, landing on
    a later day than the first order or event naming it (``named``)."""
    crm = first_loaded(customers, "customer_id", "crm_loaded_at")
    seen = first_loaded(named, "customer_id", "named_loaded_at")
    joined = crm.join(seen, "customer_id", join_type="inner")
    crm_day = epoch_seconds(joined.column("crm_loaded_at")) // DAY
    named_day = epoch_seconds(joined.column("named_loaded_at")) // DAY
    return crm_day[named_day < crm_day]


def status_change_days(orders: pa.Table) -> np.ndarray:
    """Load day of each order status change: an order_id with a refunded/cancelled row
    landing that day and a completed row updated before it (once per order and day)."""
    status = pc.utf8_lower(pc.utf8_trim_whitespace(orders.column("status")))
    keyed = (
        orders.select(["order_id", "updated_at", "_loaded_at"])
        .append_column("status", status)
        .filter(pc.is_valid(orders.column("order_id")))
    )
    final = keyed.filter(pc.is_in(keyed.column("status"), pa.array(["refunded", "cancelled"])))
    completed = keyed.filter(pc.equal(keyed.column("status"), "completed"))
    first = completed.group_by("order_id").aggregate([("updated_at", "min")])
    first = first.select(["order_id", "updated_at_min"])
    joined = final.join(first, "order_id", join_type="inner")
    changed = joined.filter(pc.less(joined.column("updated_at_min"), joined.column("updated_at")))
    return distinct_order_days(changed)


def distinct_order_days(rows: pa.Table) -> np.ndarray:
    """The load day of ``rows`` (order_id, _loaded_at), once per order and day."""
    distinct = (
        pa.table({"order_id": rows.column("order_id"), "day": pa.array(load_days(rows))})
        .group_by(["order_id", "day"])
        .aggregate([])
    )
    return distinct.column("day").to_numpy()


def correction_days(orders: pa.Table) -> np.ndarray:
    """Load day of each order correction: an order_id with a row landing that day that
    names another customer_id than a row of the same order updated before it (both
    named; once per order and day)."""
    keyed = orders.select(["order_id", "customer_id", "updated_at", "_loaded_at"]).filter(
        pc.and_(pc.is_valid(orders.column("order_id")), pc.is_valid(orders.column("customer_id")))
    )
    earlier = keyed.select(["order_id", "customer_id", "updated_at"]).rename_columns(
        ["order_id", "earlier_customer_id", "earlier_updated_at"]
    )
    joined = keyed.join(earlier, "order_id", join_type="inner")
    moved = joined.filter(pc.and_(
        pc.less(joined.column("earlier_updated_at"), joined.column("updated_at")),
        pc.not_equal(joined.column("earlier_customer_id"), joined.column("customer_id")),
    ))
    return distinct_order_days(moved)


def _column_is(table: pa.Table, column: str, value: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.equal(table.column(column), value), False))


def deletion_days(deletions: pa.Table) -> dict[str, np.ndarray]:
    """Load day of each request naming a customer_id, and of each naming only an email."""
    day = load_days(deletions)
    by_id = np.asarray(pc.is_valid(deletions.column("customer_id")))
    by_email = ~by_id & np.asarray(pc.is_valid(deletions.column("email")))
    return {"deletion_requests_by_id": day[by_id], "deletion_requests_by_email": day[by_email]}


def generate_timeline(config: GeneratorConfig, days: int, out_dir: Path | str) -> dict:
    """Write the last ``days`` days up to ``config.end_date`` as daily deliveries (see
    the module docstring) after one backfill, with lifecycle on and ``lifecycle_days``
    at least ``days``. Returns the timeline description also written to
    ``_timeline.json``; deterministic for (config, days).

    Delivery files left in the table folders by an earlier run are removed first, so
    the folders hold exactly this timeline."""
    if days < 1:
        raise ValueError("days must be at least 1")
    # every delivered day gets the planted happenings, however long the timeline
    config = dataclasses.replace(
        config, lifecycle=True, lifecycle_days=max(config.lifecycle_days, days)
    )
    last_day = int(np.datetime64(config.end_date, "D").astype("int64"))
    first_day = last_day - days + 1
    backfill_day = first_day - 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for marker in ("_timeline.json", "_manifest.json"):
        (out / marker).unlink(missing_ok=True)
    for name in TABLES:
        for stale in (out / name).glob(DELIVERY_GLOB):
            stale.unlink()

    run = Run(config)
    rows: dict[str, dict[int, int]] = {}
    happening_days: dict[str, list[np.ndarray]] = {kind: [] for kind in HAPPENINGS}
    small = run.small_tables()
    for name, table in small.items():
        rows[name] = write_deliveries(out / name, name, [table], backfill_day, last_day)
    happening_days["order_status_changes"].append(status_change_days(small["orders"]))
    happening_days["order_corrections"].append(correction_days(small["orders"]))
    for kind, found in deletion_days(small["deletion_requests"]).items():
        happening_days[kind].append(found)
    consent = small["consent_events"]
    happening_days["consent_revocations"].append(
        load_days(consent)[_column_is(consent, "status", "revoked")]
    )
    # who was named before their CRM record: orders now, events block by block
    named = [first_loaded(small["orders"], "customer_id", "_loaded_at")]
    customers = small["customers"]
    del small, consent

    def events() -> Iterator[pa.Table]:
        for block in run.event_blocks():
            named.append(first_loaded(block, "customer_id", "_loaded_at"))
            yield block

    def email_events() -> Iterator[pa.Table]:
        for block in run.email_blocks():
            happening_days["unsubscribes"].append(
                load_days(block)[_column_is(block, "event_type", "unsubscribe")]
            )
            yield block

    rows["events"] = write_deliveries(out / "events", "events", events(), backfill_day, last_day)
    rows["email_events"] = write_deliveries(
        out / "email_events", "email_events", email_events(), backfill_day, last_day
    )
    happening_days["late_crm_records"].append(late_crm_days(customers, pa.concat_tables(named)))

    delivered = list(range(first_day, last_day + 1))
    happenings = {
        kind: count_by_day(np.concatenate(found)) for kind, found in happening_days.items()
    }
    per_day = {
        _date(day): {kind: happenings[kind].get(day, 0) for kind in HAPPENINGS} for day in delivered
    }
    description = {
        "seed": config.seed,
        "customers": config.customers,
        "days": days,
        "end_date": config.end_date,
        "backfill_date": _date(backfill_day),
        "delivery_dates": [_date(day) for day in delivered],
        "lifecycle_days": config.lifecycle_days,
        "layout": "<table>/<YYYY-MM-DD>.parquet",
        "rows": {
            _date(day): {name: rows[name].get(day, 0) for name in TABLES}
            for day in [backfill_day, *delivered]
        },
        "happenings": per_day,
        "happenings_total": {
            kind: sum(counts[kind] for counts in per_day.values()) for kind in HAPPENINGS
        },
    }
    write_manifest(out, run.manifest())
    (out / "_timeline.json").write_text(json.dumps(description, indent=2) + "\n")
    return description
