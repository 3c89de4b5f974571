"""Dirt shared by every source: the registry of quarantine targets (DIRT_TARGETS) and
how it is applied, late loads and exact copies. The CRM-only kinds (invalid emails,
impossible ages, near-duplicate and second identities) live in customers.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import (
    DAY,
    FUTURE_YEAR_START,
    LATE_MAX_DAYS,
    LATE_MIN_DAYS,
    OFFSETS,
    bernoulli_rows,
    epoch_seconds,
    iso,
    replace_rows,
    stream,
    take,
    timestamps,
    with_columns,
)
from .config import GeneratorConfig
from .schemas import TABLES

UNKNOWN_STATUS, UNKNOWN_CURRENCY, UNKNOWN_EVENT_TYPE = "shipped?", "XYZ", "scroll_depth?"
UNKNOWN_GENDER, UNKNOWN_EMAIL_EVENT_TYPE = "M/F?", "bounced?"
UNKNOWN_CONSENT_PURPOSE, UNKNOWN_CONSENT_STATUS = "newsletter?", "pending?"
# Timestamp text no parser accepts: impossible month/day/hour, a word, a zero date.
UNPARSEABLE_TIMESTAMPS = pa.array(
    ["2026-13-45 25:00:00+01:00", "yesterday", "0000-00-00 00:00:00", "2026-02-30 10:15:00+01:00"]
)


def duplicate_rows(table: pa.Table, rng: np.random.Generator, rate: float) -> tuple[pa.Table, int]:
    """Append full-row copies of a share of rows (a re-sent batch, a double load)."""
    rows = bernoulli_rows(rng, table.num_rows, rate)
    if len(rows) == 0:
        return table, 0
    return pa.concat_tables([table, table.take(pa.array(rows))]), len(rows)


def late_loads(
    loaded: np.ndarray, business: np.ndarray, rng: np.random.Generator, rate: float, end: int
) -> tuple[np.ndarray, int]:
    """Make a share of rows land 3-30 days after their business time. Only rows old
    enough to land before ``end`` are eligible, so no load lies after the history. A
    row already landing later (a life-cycle late CRM record) keeps its later load."""
    rows = bernoulli_rows(rng, len(loaded), rate, eligible=business < end - LATE_MAX_DAYS * DAY)
    loaded = loaded.copy()
    loaded[rows] = np.maximum(
        loaded[rows],
        business[rows] + rng.integers(LATE_MIN_DAYS * DAY, LATE_MAX_DAYS * DAY, len(rows)),
    )
    return loaded, len(rows)


def late_column(
    table: pa.Table, business: str, rng: np.random.Generator, rate: float, end: int
) -> tuple[pa.Table, int]:
    """Apply ``late_loads`` to a table whose business time is a timestamp column."""
    loaded, count = late_loads(
        epoch_seconds(table.column("_loaded_at")),
        epoch_seconds(table.column(business)),
        rng,
        rate,
        end,
    )
    return with_columns(table, {"_loaded_at": timestamps(loaded)}), count


# ----------------------------------------------------------------------------- targets

Values = Callable[[pa.Table, np.ndarray, np.random.Generator], dict[str, pa.Array]]


@dataclass(frozen=True)
class Target:
    """One way a dirt kind hits a row of a table: the staging quarantine reason it must
    trip, and the replacement values of the hit rows (computed from the table)."""

    reason: str
    values: Values


def _nulls(*columns: str) -> Values:
    """A missing key or required reference: these columns all null."""

    def values(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
        return {name: pa.nulls(len(rows), table.schema.field(name).type) for name in columns}

    return values


def _constant(column: str, value: str) -> Values:
    """A value outside the column's set."""

    def values(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
        return {column: pa.repeat(pa.scalar(value), len(rows))}

    return values


def _future_iso(column: str) -> Values:
    """Business time in 2031, after any _loaded_at (a device clock or a typo)."""

    def values(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
        future = FUTURE_YEAR_START + rng.integers(0, 300 * DAY, len(rows))
        offset = OFFSETS[rng.integers(0, len(OFFSETS), len(rows))]
        return {column: iso(future, offset, np.zeros(len(rows), bool))}

    return values


def _future_local(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    """Web events: a device wall clock in 2031."""
    return {"occurred_at": timestamps(FUTURE_YEAR_START + rng.integers(0, 300 * DAY, len(rows)))}


def _unparseable_iso(column: str) -> Values:
    """Timestamp text no parser accepts (UNPARSEABLE_TIMESTAMPS)."""

    def values(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
        return {
            column: take(
                UNPARSEABLE_TIMESTAMPS, rng.integers(0, len(UNPARSEABLE_TIMESTAMPS), len(rows))
            )
        }

    return values


def _offset_in_seconds(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    """Web events: an SDK sending its UTC offset in seconds, not minutes (beyond ±14 h);
    a UTC device (offset 0) sends '+25:00' instead."""
    offset = pc.take(table.column("utc_offset_minutes"), pa.array(rows)).to_numpy()
    return {"utc_offset_minutes": pa.array(np.where(offset == 0, 25 * 60, offset * 60), pa.int32())}


def _non_positive_amount(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    """A completed order of 0 or a negative amount (a refund booked as an order)."""
    amount = np.where(
        rng.random(len(rows)) < 0.5, 0.0, -np.round(rng.uniform(1, 200, len(rows)), 2)
    )
    return {"amount": pa.array(amount), "status": pa.repeat(pa.scalar("completed"), len(rows))}


def _non_positive_quantity(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    return {"quantity": pa.array(-rng.integers(0, 3, len(rows)).astype("int32"))}


def _negative_unit_price(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    return {"unit_price": pa.array(-np.round(rng.uniform(0.01, 100, len(rows)), 2))}


# kind -> table -> targets. A hit row gets one target, drawn uniformly; the reasons
# are the quarantine codes of docs/staging.md (segkit/tests/test_generate.py checks
# that, with invalid_emails and impossible_ages, they cover every code).
DIRT_TARGETS: dict[str, dict[str, tuple[Target, ...]]] = {
    "non_positive_amounts": {
        "orders": (Target("non_positive_amount", _non_positive_amount),),
        "order_lines": (
            Target("non_positive_quantity", _non_positive_quantity),
            Target("negative_unit_price", _negative_unit_price),
        ),
    },
    "unknown_enums": {
        "customers": (Target("unknown_gender", _constant("gender", UNKNOWN_GENDER)),),
        "orders": (
            Target("unknown_order_status", _constant("status", UNKNOWN_STATUS)),
            Target("unknown_currency", _constant("currency", UNKNOWN_CURRENCY)),
        ),
        "events": (Target("unknown_event_type", _constant("event_type", UNKNOWN_EVENT_TYPE)),),
        "email_events": (
            Target("unknown_email_event_type", _constant("event_type", UNKNOWN_EMAIL_EVENT_TYPE)),
        ),
        "consent_events": (
            Target("unknown_consent_purpose", _constant("purpose", UNKNOWN_CONSENT_PURPOSE)),
            Target("unknown_consent_status", _constant("status", UNKNOWN_CONSENT_STATUS)),
        ),
    },
    "future_timestamps": {
        "customers": (Target("future_signup_at", _future_iso("signup_at")),),
        "orders": (Target("future_ordered_at", _future_iso("ordered_at")),),
        "events": (Target("future_occurred_at", _future_local),),
        "email_events": (Target("future_occurred_at", _future_iso("occurred_at")),),
        "consent_events": (Target("future_occurred_at", _future_iso("occurred_at")),),
    },
    "unparseable_timestamps": {
        "customers": (Target("invalid_signup_at", _unparseable_iso("signup_at")),),
        "orders": (Target("invalid_ordered_at", _unparseable_iso("ordered_at")),),
        "events": (
            Target("invalid_occurred_at", _nulls("occurred_at")),
            Target("invalid_occurred_at", _offset_in_seconds),
        ),
        "email_events": (Target("invalid_occurred_at", _unparseable_iso("occurred_at")),),
        "consent_events": (Target("invalid_occurred_at", _unparseable_iso("occurred_at")),),
    },
    "null_keys": {
        "customers": (Target("missing_customer_id", _nulls("customer_id")),),
        "orders": (
            Target("missing_order_id", _nulls("order_id")),
            Target("missing_customer_reference", _nulls("customer_id", "customer_email")),
        ),
        "order_lines": (
            Target("missing_order_line_id", _nulls("order_line_id")),
            Target("missing_order_id", _nulls("order_id")),
            Target("missing_product_id", _nulls("product_id")),
        ),
        "events": (
            Target("missing_event_id", _nulls("event_id")),
            Target("missing_anonymous_id", _nulls("anonymous_id")),
            Target("missing_session_id", _nulls("session_id")),
        ),
        "email_events": (
            Target("missing_email_event_id", _nulls("email_event_id")),
            Target("missing_customer_id", _nulls("customer_id")),
        ),
        "consent_events": (
            Target("missing_consent_event_id", _nulls("consent_event_id")),
            Target("missing_customer_id", _nulls("customer_id")),
        ),
        "deletion_requests": (
            Target("missing_request_id", _nulls("request_id")),
            Target("missing_customer_reference", _nulls("customer_id", "email")),
        ),
    },
}


def _hit_rows(rng: np.random.Generator, size: int, rate: float, targets: int) -> list[np.ndarray]:
    """Rows hit by a Bernoulli(rate) draw, split uniformly among ``targets``; when
    rate > 0 every target gets at least one row (while free rows remain), so each
    quarantine reason fires even on tiny tables like deletion_requests."""
    if rate <= 0 or size == 0:
        return [np.zeros(0, "int64")] * targets
    which = np.full(size, -1, dtype="int8")
    hit = np.flatnonzero(rng.random(size) < rate)
    which[hit] = rng.integers(0, targets, len(hit))
    for target in np.setdiff1d(np.arange(targets), which[hit]):
        free = np.flatnonzero(which < 0)
        if len(free):
            which[free[rng.integers(0, len(free))]] = target
    return [np.flatnonzero(which == target) for target in range(targets)]


def apply_dirt(
    name: str, table: pa.Table, config: GeneratorConfig, block: int = 0
) -> tuple[pa.Table, dict[str, int]]:
    """Apply every kind of DIRT_TARGETS that concerns table ``name``, in the registry's
    order (a later kind overwrites an earlier one on a row hit by both). Each (table,
    kind, block) has its own random stream."""
    counts: dict[str, int] = {}
    rates = dataclasses.asdict(config.dirt)
    for kind_number, (kind, per_table) in enumerate(DIRT_TARGETS.items()):
        targets = per_table.get(name)
        if not targets:
            continue
        rng = stream(config.seed, 60, TABLES.index(name), kind_number, block)
        counts[kind] = 0
        for target, rows in zip(
            targets, _hit_rows(rng, table.num_rows, rates[kind], len(targets)), strict=True
        ):
            if len(rows):
                replaced = {
                    column: replace_rows(table.column(column), rows, values)
                    for column, values in target.values(table, rows, rng).items()
                }
                table = with_columns(table, replaced)
            counts[kind] += len(rows)
    return table, counts
