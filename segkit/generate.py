"""Deterministic, vectorised sample data for the segmentation project.

Writes the seven raw tables of ``docs/raw_contract.md`` as Parquet files, one per table,
plus ``_manifest.json`` (seed, sizes, dirt rates and how many rows of each dirt kind
were injected into each table)::

    python -m segkit.generate --customers 5000 --seed 42 --out data/raw
    python -m segkit.generate --customers 1000000 --out /tmp/raw1m --dirt all=0
    python -m segkit.generate --dirt null_keys=0.05 invalid_emails=0.02

Why it looks the way it does: the dbt project has to cope with real CRM, order and
clickstream exports, so the data has their shapes (heavy-tailed spend with a few whales,
customers who never buy, repeat purchases that thin out, weekly and November/December
seasonality, churn, a device and channel mix, a page → product → cart → checkout →
purchase funnel with drop-off, low email open and click rates, consent grants and
revocations, deletion requests, customers in several time zones, devices that browse
anonymously before logging in) and their dirt.

Dirt kinds (``DirtRates`` fields; a rate is the chance that an eligible row is hit).
Each kind trips the staging quarantine reason in brackets (docs/staging.md); the
generic kinds are data-driven: ``DIRT_TARGETS`` maps kind -> table -> targets, and a
hit row gets one of its table's targets, drawn uniformly.

========================  =======  ===================================================
kind                      default  tables [quarantine reason]
========================  =======  ===================================================
exact_duplicates          1.5%     customers, orders, events (full-row copies)
near_duplicate_emails     1.0%     customers (later version, email differs in case/space)
invalid_emails            1.0%     customers [invalid_email]
impossible_ages           1.0%     customers (birth_date < 1900 or > end; age < 0 or
                                   > 120) [impossible_age]
non_positive_amounts      1.0%     orders (completed, amount 0 or negative)
                                   [non_positive_amount]; order_lines (quantity 0 or
                                   negative [non_positive_quantity], or unit_price
                                   negative [negative_unit_price])
null_keys                 0.5%     the key or a required reference set to null:
                                   customers.customer_id; orders.order_id, or both
                                   customer_id and customer_email
                                   [missing_customer_reference]; order_lines
                                   order_line_id / order_id / product_id; events
                                   event_id / anonymous_id / session_id; email_events
                                   and consent_events: their id / customer_id;
                                   deletion_requests: request_id, or both customer_id
                                   and email [missing_customer_reference]
future_timestamps         0.5%     business time in 2031, after _loaded_at: customers
                                   signup_at, orders ordered_at, events / email_events
                                   / consent_events occurred_at [future_*]
unparseable_timestamps    0.5%     ISO text no parser accepts ('2026-13-45 25:00:00
                                   +01:00', 'yesterday', '0000-00-00 00:00:00',
                                   '2026-02-30 ...') in customers signup_at, orders
                                   ordered_at, email/consent occurred_at; events:
                                   occurred_at null, or the UTC offset sent in seconds
                                   (beyond ±14 h) [invalid_*]
late_arriving             2.0%     customers, orders, events (_loaded_at 3-30 days late)
multi_identifier_persons  1.0%     customers (+ their own orders): second id, same
                                   email/phone
unknown_enums             0.5%     customers gender; orders status or currency;
                                   events, email_events event_type; consent_events
                                   purpose or status [unknown_*]
========================  =======  ===================================================

Small tables: with a rate above 0, every target of a generic kind hits at least one
row of its table (of each block, for the streamed tables) even when rate × rows < 1,
so every quarantine reason fires on any data set that has the table; on
deletion_requests (~0.5 % of customers, ~15 rows at 3,000) that means 1 row per
target instead of the ~0.1 the rate alone would give. Elsewhere the floor matters
only below a few hundred customers. Kinds are drawn independently, so a row can carry
several (staging reports its first failing rule): per-reason counts in staging can
differ slightly from the manifest's per-kind counts.

Sizes: ``orders_per_customer`` and ``events_per_customer`` are means over all
customers, buyers or not (a quarter never buy, so buyers average ~4/3 as many
orders); dirt copies and second identities add ~2 % on top.

Mixed time zones are always present (offsets -480 … +540 minutes, some 'Z').

Determinism: every random draw comes from ``numpy.random.Generator(PCG64(...))``
streams keyed by the seed (and, for the streamed tables, the block number); dates are
relative to ``end_date``, never the wall clock. Same config → byte-identical files.
Events and email events are generated per block of customers and written as Parquet
row groups, which bounds memory at a million customers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

DAY = 86_400
HISTORY_DAYS = 3 * 365
PRE_SIGNUP_BROWSING_DAYS = 30
BLOCK_CUSTOMERS = 50_000
LATE_MIN_DAYS, LATE_MAX_DAYS = 3, 30
FUTURE_YEAR_START = np.datetime64("2031-01-01T00:00:00", "s").astype("int64")
EVENT_ID_STRIDE = 10**9  # event/session ids of block b are b * stride + local number

TABLES = (
    "customers",
    "orders",
    "order_lines",
    "events",
    "email_events",
    "consent_events",
    "deletion_requests",
)

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("email", pa.string()),
            ("phone", pa.string()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("birth_date", pa.date32()),
            ("age", pa.int32()),
            ("gender", pa.string()),
            ("income_band", pa.string()),
            ("country_code", pa.string()),
            ("region", pa.string()),
            ("city", pa.string()),
            ("signup_at", pa.string()),
            ("is_loyalty_member", pa.bool_()),
            ("loyalty_tier", pa.string()),
            ("updated_at", pa.timestamp("us")),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("customer_email", pa.string()),
            ("ordered_at", pa.string()),
            ("amount", pa.float64()),
            ("currency", pa.string()),
            ("status", pa.string()),
            ("sales_channel", pa.string()),
            ("updated_at", pa.timestamp("us")),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "order_lines": pa.schema(
        [
            ("order_line_id", pa.string()),
            ("order_id", pa.string()),
            ("product_id", pa.string()),
            ("category", pa.string()),
            ("quantity", pa.int32()),
            ("unit_price", pa.float64()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.string()),
            ("anonymous_id", pa.string()),
            ("customer_id", pa.string()),
            ("session_id", pa.string()),
            ("event_type", pa.string()),
            ("page_path", pa.string()),
            ("device", pa.string()),
            ("channel", pa.string()),
            ("campaign", pa.string()),
            ("occurred_at", pa.timestamp("us")),
            ("utc_offset_minutes", pa.int32()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "email_events": pa.schema(
        [
            ("email_event_id", pa.string()),
            ("customer_id", pa.string()),
            ("campaign_id", pa.string()),
            ("event_type", pa.string()),
            ("occurred_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "consent_events": pa.schema(
        [
            ("consent_event_id", pa.string()),
            ("customer_id", pa.string()),
            ("purpose", pa.string()),
            ("status", pa.string()),
            ("occurred_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
    "deletion_requests": pa.schema(
        [
            ("request_id", pa.string()),
            ("customer_id", pa.string()),
            ("email", pa.string()),
            ("requested_at", pa.string()),
            ("_loaded_at", pa.timestamp("us")),
        ]
    ),
}

# Countries with their share, two candidate home offsets (minutes), currency, calling code.
COUNTRIES = pa.array(["US", "GB", "DE", "FR", "ES", "CA", "IN", "JP"])
COUNTRY_WEIGHTS = np.array([0.40, 0.15, 0.10, 0.09, 0.05, 0.07, 0.07, 0.07])
COUNTRY_OFFSETS = np.array(
    [(-300, -480), (0, 0), (60, 120), (60, 120), (60, 120), (-300, -300), (330, 330), (540, 540)]
)
COUNTRY_CURRENCY = np.array([0, 2, 1, 1, 1, 0, 0, 0])  # index into CURRENCIES
COUNTRY_CALLING_CODE = pa.array(["1", "44", "49", "33", "34", "1", "91", "81"])
COUNTRY_NANP = np.array([True, False, False, False, False, True, False, False])
OFFSETS = np.array([-480, -300, 0, 60, 120, 330, 540])
OFFSET_SUFFIXES = pa.array(
    ["-08:00", "-05:00", "+00:00", "+01:00", "+02:00", "+05:30", "+09:00", "Z"]
)
UTC_Z_SHARE = 0.2  # share of ISO strings a source wrote in UTC with 'Z'

FIRST_NAMES = pa.array(
    [
        "Ana",
        "Ben",
        "Chloe",
        "David",
        "Emma",
        "Farid",
        "Grace",
        "Hiro",
        "Ines",
        "Jack",
        "Kofi",
        "Lena",
        "Mateo",
        "Nora",
        "Omar",
        "Priya",
        "Quinn",
        "Rosa",
        "Sam",
        "Tara",
        "Uma",
        "Victor",
        "Wen",
        "Yusuf",
    ]
)
LAST_NAMES = pa.array(
    [
        "Smith",
        "Garcia",
        "Muller",
        "Martin",
        "Khan",
        "Tanaka",
        "Brown",
        "Rossi",
        "Silva",
        "Nguyen",
        "Patel",
        "Cohen",
        "Lopez",
        "Wilson",
        "Sato",
        "Dubois",
    ]
)
DOMAINS = pa.array(["example.com", "mail.example.org", "inbox.example.net", "example.co.uk"])
GENDERS = pa.array(["female", "male", "non_binary", "unknown", "Female", "MALE"])
GENDER_WEIGHTS = np.array([0.44, 0.42, 0.02, 0.04, 0.04, 0.04])
INCOME_BANDS = pa.array(["low", "medium", "high", "very_high"])
INCOME_WEIGHTS = np.array([0.25, 0.40, 0.25, 0.10])
TIERS = pa.array(["bronze", "silver", "gold"])
TIER_WEIGHTS = np.array([0.6, 0.3, 0.1])
CURRENCIES = pa.array(["USD", "EUR", "GBP", "usd", "eur", "gbp"])
STATUSES = pa.array(["completed", "refunded", "cancelled", "Completed", "REFUNDED", "Cancelled"])
STATUS_WEIGHTS = np.array([0.92, 0.05, 0.03])
SALES_CHANNELS = pa.array(["web", "app", "store"])
SALES_CHANNEL_WEIGHTS = np.array([0.5, 0.35, 0.15])
DEVICES = pa.array(["mobile", "desktop", "tablet"])
DEVICE_WEIGHTS = np.array([0.55, 0.35, 0.10])
CHANNELS = pa.array(["direct", "organic", "paid_search", "social", "email", "referral"])
CHANNEL_WEIGHTS = np.array([0.30, 0.25, 0.15, 0.10, 0.12, 0.08])
CAMPAIGN_CHANNELS = np.array([False, False, True, True, True, False])
EVENT_TYPES = pa.array(["page_view", "product_view", "add_to_cart", "checkout", "purchase"])
PAGE_PATHS = pa.array(["/", "/products/", "/cart", "/checkout", "/order/confirmation"])
CATEGORIES = pa.array(
    ["apparel", "shoes", "accessories", "home", "beauty", "electronics", "sports", "toys"]
)
CONSENT_PURPOSES = pa.array(["marketing_email", "marketing_sms", "personalisation", "analytics"])
CONSENT_GRANT_RATES = np.array([0.7, 0.3, 0.8, 0.9])
CONSENT_REVOKE_RATE = 0.15
EMAIL_CAMPAIGNS = 13  # fortnightly sends over the last half year
# Local hour-of-day activity: quiet nights, lunchtime bump, evening peak.
HOUR_WEIGHTS = np.array(
    [
        1,
        0.6,
        0.4,
        0.3,
        0.3,
        0.4,
        0.8,
        1.5,
        2.2,
        2.6,
        2.8,
        3.0,
        3.4,
        3.2,
        2.9,
        2.8,
        2.9,
        3.2,
        3.8,
        4.3,
        4.5,
        4.0,
        3.0,
        1.8,
    ]
)
# Funnel: page views (geometric), product views (binomial), then cart → checkout → purchase.
PAGE_VIEW_P, PRODUCT_VIEWS_N, PRODUCT_VIEW_P = 0.45, 3, 0.45
CART_P, CHECKOUT_P, PURCHASE_P = 0.35, 0.55, 0.8
BAD_EMAIL_FORMS = 4
UNKNOWN_STATUS, UNKNOWN_CURRENCY, UNKNOWN_EVENT_TYPE = "shipped?", "XYZ", "scroll_depth?"
UNKNOWN_GENDER, UNKNOWN_EMAIL_EVENT_TYPE = "M/F?", "bounced?"
UNKNOWN_CONSENT_PURPOSE, UNKNOWN_CONSENT_STATUS = "newsletter?", "pending?"
# Timestamp text no parser accepts: impossible month/day/hour, a word, a zero date.
UNPARSEABLE_TIMESTAMPS = pa.array(
    ["2026-13-45 25:00:00+01:00", "yesterday", "0000-00-00 00:00:00", "2026-02-30 10:15:00+01:00"]
)


@dataclass(frozen=True)
class DirtRates:
    """Chance that an eligible row gets each kind of dirt (see the module docstring).

    Defaults are 0.5-2 %: enough rows for every quarantine rule to fire on a demo-sized
    data set, few enough that segment shapes stay realistic.
    """

    exact_duplicates: float = 0.015
    near_duplicate_emails: float = 0.01
    invalid_emails: float = 0.01
    impossible_ages: float = 0.01
    non_positive_amounts: float = 0.01
    null_keys: float = 0.005
    future_timestamps: float = 0.005
    unparseable_timestamps: float = 0.005
    late_arriving: float = 0.02
    multi_identifier_persons: float = 0.01
    unknown_enums: float = 0.005

    def __post_init__(self) -> None:
        for name, rate in dataclasses.asdict(self).items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"dirt rate {name}={rate} must be between 0 and 1")

    def override(self, assignments: list[str]) -> DirtRates:
        """Apply NAME=RATE assignments in order; ``all=RATE`` sets every rate."""
        values = dataclasses.asdict(self)
        for assignment in assignments:
            name, sep, rate_text = assignment.partition("=")
            if not sep:
                raise ValueError(f"dirt assignment {assignment!r} is not NAME=RATE")
            rate = float(rate_text)
            if name == "all":
                values = dict.fromkeys(values, rate)
            elif name in values:
                values[name] = rate
            else:
                raise ValueError(f"unknown dirt kind {name!r}; known: all, {', '.join(values)}")
        return DirtRates(**values)


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: sizes, seed, the last day of history, and the dirt."""

    customers: int = 5_000
    seed: int = 42
    end_date: str = "2026-10-31"
    orders_per_customer: float = 10.0  # mean order count over all customers
    events_per_customer: float = 50.0  # mean web/app event count over all customers
    dirt: DirtRates = DirtRates()

    @property
    def end(self) -> int:
        """Last second of ``end_date`` (UTC epoch seconds): history ends here."""
        return (
            int(np.datetime64(self.end_date, "D").astype("datetime64[s]").astype("int64")) + DAY - 1
        )

    @property
    def start(self) -> int:
        """First second of the ~3-year history."""
        return self.end - HISTORY_DAYS * DAY + 1


# ----------------------------------------------------------------------------- helpers


def _rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent stream per (seed, purpose, block): adding a table or a block never
    shifts the draws of another, so outputs stay comparable across versions."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *keys])))


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """'<prefix><number>' ids built in Arrow (no Python string per row)."""
    return pc.binary_join_element_wise(
        prefix, pc.cast(pa.array(numbers, pa.int64()), pa.string()), ""
    )


def _take(values: pa.Array, index: np.ndarray) -> pa.Array:
    """values[index] for categorical lookups: an Arrow take instead of numpy strings."""
    return pc.take(values, pa.array(index, pa.int32() if len(values) < 2**31 else pa.int64()))


def _categorical(rng: np.random.Generator, size: int, weights: np.ndarray) -> np.ndarray:
    """Indices drawn with the given weights (inverse CDF: fast and vectorised)."""
    cumulative = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), len(weights) - 1)


def _timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds → naive Arrow timestamp[us]; the caller knows the zone."""
    return pa.array(np.asarray(seconds, dtype="int64") * 1_000_000, pa.timestamp("us"))


def _iso(utc_seconds: np.ndarray, offset_minutes: np.ndarray, as_utc: np.ndarray) -> pa.Array:
    """ISO-8601 text with a UTC offset: local wall clock + '+05:30', or UTC + 'Z' where
    ``as_utc``. Arrow's timestamp → string cast gives 'YYYY-MM-DD HH:MM:SS' an order of
    magnitude faster than strftime."""
    offset = np.where(as_utc, 0, offset_minutes).astype("int64")
    local = pa.array(np.asarray(utc_seconds, dtype="int64") + offset * 60, pa.timestamp("s"))
    suffix = np.where(as_utc, len(OFFSETS), np.searchsorted(OFFSETS, offset_minutes))
    return pc.binary_join_element_wise(
        pc.cast(local, pa.string()), _take(OFFSET_SUFFIXES, suffix), ""
    )


def _load_time(
    business: np.ndarray, rng: np.random.Generator, end: int, lo: int = 300, hi: int = 7200
) -> np.ndarray:
    """When a row normally lands: minutes to hours after its business time, but never
    after the end of history (the warehouse's 'now')."""
    return np.minimum(business + rng.integers(lo, hi, len(business)), end)


def _rows(
    rng: np.random.Generator, size: int, rate: float, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Sorted indices of rows hit by a Bernoulli(rate) draw, among ``eligible`` rows."""
    if rate <= 0 or size == 0:
        return np.zeros(0, dtype="int64")
    hit = rng.random(size) < rate
    if eligible is not None:
        hit &= eligible
    return np.flatnonzero(hit)


def _replace(column: pa.Array | pa.ChunkedArray, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """``column`` with ``rows`` (sorted) replaced by ``values``, all in Arrow."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(column, pa.array(mask), pc.cast(values, column.type))


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """A table in the contract's column order and types."""
    schema = SCHEMAS[name]
    return pa.table([pc.cast(columns[f.name], f.type) for f in schema], schema=schema)


def _duplicate(table: pa.Table, rng: np.random.Generator, rate: float) -> tuple[pa.Table, int]:
    """Append full-row copies of a share of rows (a re-sent batch, a double load)."""
    rows = _rows(rng, table.num_rows, rate)
    if len(rows) == 0:
        return table, 0
    return pa.concat_tables([table, table.take(pa.array(rows))]), len(rows)


def _late(
    loaded: np.ndarray, business: np.ndarray, rng: np.random.Generator, rate: float, end: int
) -> tuple[np.ndarray, int]:
    """Make a share of rows land 3-30 days after their business time. Only rows old
    enough to land before ``end`` are eligible, so no load lies after the history."""
    rows = _rows(rng, len(loaded), rate, eligible=business < end - LATE_MAX_DAYS * DAY)
    loaded = loaded.copy()
    loaded[rows] = business[rows] + rng.integers(
        LATE_MIN_DAYS * DAY, LATE_MAX_DAYS * DAY, len(rows)
    )
    return loaded, len(rows)


class _Calendar:
    """Draws activity times from a seasonal density: weekends busier, November and
    December peaking, evenings busier than nights (in local time)."""

    def __init__(self, start: int, end: int) -> None:
        self.first_day = start // DAY
        days = self.first_day + np.arange((end - start) // DAY + 2)
        weekday = (days + 3) % 7  # epoch day 0 was a Thursday; 0 = Monday
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype("int64") % 12 + 1
        weight = np.where(weekday >= 5, 1.3, 1.0) * np.select(
            [month == 11, month == 12, month == 1], [1.7, 2.0, 0.8], 1.0
        )
        self.cumulative = np.concatenate([[0.0], np.cumsum(weight)])
        self.hour_cdf = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())

    def draw(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        offset_minutes: np.ndarray,
        u: np.ndarray,
        rng: np.random.Generator,
        decay: float = 1.0,
    ) -> np.ndarray:
        """UTC epoch seconds in [lo, hi]. ``u`` in [0, 1) is the quantile inside the span;
        ``decay`` > 1 crowds draws toward ``lo`` (purchases thin out over a lifetime)."""
        grid = np.arange(len(self.cumulative))
        c_lo = np.interp((lo - self.first_day * DAY) / DAY, grid, self.cumulative)
        c_hi = np.interp((hi - self.first_day * DAY) / DAY, grid, self.cumulative)
        target = c_lo + (c_hi - c_lo) * u**decay
        day = np.clip(np.searchsorted(self.cumulative, target) - 1, 0, len(self.cumulative) - 2)
        hour = np.searchsorted(self.hour_cdf, rng.random(len(u)), side="right")
        local = (
            (self.first_day + day) * DAY
            + np.minimum(hour, 23) * 3600
            + rng.integers(0, 3600, len(u))
        )
        return np.clip(local - offset_minutes.astype("int64") * 60, lo, hi).astype("int64")


# ----------------------------------------------------------------------------- people


@dataclass
class _People:
    """One clean record per person plus the hidden traits their activity is drawn from."""

    customer_id: pa.Array
    email: pa.Array
    phone: pa.Array
    first_name: pa.Array
    last_name: pa.Array
    country_index: np.ndarray
    offset: np.ndarray
    signup: np.ndarray
    churn: np.ndarray
    buyer: np.ndarray
    spend_level: np.ndarray
    activity: np.ndarray
    email_consent_from: np.ndarray  # marketing_email granted at (or +inf)
    email_consent_until: np.ndarray  # revoked at (or +inf)

    @property
    def size(self) -> int:
        return len(self.signup)


PHONE_FIRST = 2_000_000_000
PHONE_SPAN = 7_999_999_999  # ten-digit numbers from PHONE_FIRST on
PHONE_STRIDE = 4_294_967_291  # a prime, so i -> i * stride mod span is one-to-one


def _unique_phone_digits(rng: np.random.Generator, n: int) -> np.ndarray:
    """n different ten-digit numbers that look random: a seeded affine permutation of
    the range, not independent draws, which at a million people share a number by
    chance and so merge strangers in identity resolution (only the injected
    multi-identifier dirt should share a phone)."""
    if n >= 2**31:  # keeps index * stride + offset inside int64
        raise ValueError(f"at most {2**31 - 1:,} people")
    offset = int(rng.integers(0, PHONE_SPAN))
    index = np.arange(n, dtype=np.int64)
    return PHONE_FIRST + (index * PHONE_STRIDE + offset) % PHONE_SPAN


def _phones(rng: np.random.Generator, country_index: np.ndarray) -> pa.Array:
    """Free-format phone numbers: '+44 207 946 0958', '(555) 123-4567', '+4420794609'."""
    n = len(country_index)
    digits = pc.cast(pa.array(_unique_phone_digits(rng, n)), pa.string())
    a, b, c = (pc.utf8_slice_codeunits(digits, lo, hi) for lo, hi in ((0, 3), (3, 6), (6, 10)))
    code = _take(COUNTRY_CALLING_CODE, country_index)
    spaced = pc.binary_join_element_wise("+", code, " ", a, " ", b, " ", c, "")
    us = pc.binary_join_element_wise("(", a, ") ", b, "-", c, "")
    compact = pc.binary_join_element_wise("+", code, digits, "")
    style = rng.integers(0, 3, n)
    style = np.where((style == 1) & ~COUNTRY_NANP[country_index], 0, style)  # '(555) …' only for +1
    phone = pc.choose(pa.array(style.astype("int8")), spaced, us, compact)
    return pc.if_else(pa.array(rng.random(n) < 0.15), pa.scalar(None, pa.string()), phone)


def _people(config: GeneratorConfig, calendar: _Calendar) -> _People:
    """Draw the population: who they are, when they joined and left, how much they buy."""
    rng = _rng(config.seed, 1)
    n, start, end = config.customers, config.start, config.end
    number = np.arange(n)
    country = _categorical(rng, n, COUNTRY_WEIGHTS)
    offset = COUNTRY_OFFSETS[country, (rng.random(n) < 0.4).astype("int64")]
    # the customer base grows: more recent sign-ups than old ones
    signup = calendar.draw(
        np.full(n, start), np.full(n, end - 7 * DAY), offset, rng.random(n) ** 0.7, rng
    )
    churn = np.minimum(signup + rng.exponential(700.0, n) * DAY, end).astype("int64")
    first = _take(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n))
    last = _take(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n))
    local_part = pc.binary_join_element_wise(
        pc.utf8_lower(first), ".", pc.utf8_lower(last), pc.cast(pa.array(number), pa.string()), ""
    )
    email = pc.binary_join_element_wise(
        local_part, "@", _take(DOMAINS, rng.integers(0, len(DOMAINS), n)), ""
    )
    email = pc.if_else(pa.array(rng.random(n) < 0.05), pc.utf8_capitalize(email), email)
    grant = rng.random(n) < CONSENT_GRANT_RATES[0]
    granted_at = np.where(grant, signup + rng.integers(0, 600, n), np.iinfo("int64").max)
    revoke = grant & (rng.random(n) < CONSENT_REVOKE_RATE)
    revoked_at = np.where(
        revoke,
        granted_at + ((end - granted_at) * rng.random(n)).astype("int64"),
        np.iinfo("int64").max,
    )
    return _People(
        customer_id=_ids("C", number),
        email=email,
        phone=_phones(rng, country),
        first_name=first,
        last_name=last,
        country_index=country,
        offset=offset,
        signup=signup,
        churn=churn,
        buyer=rng.random(n) < 0.75,
        spend_level=rng.lognormal(0.0, 0.5, n) * np.where(rng.random(n) < 0.005, 10.0, 1.0),
        activity=rng.gamma(0.8, 1 / 0.8, n),
        email_consent_from=granted_at,
        email_consent_until=revoked_at,
    )


def _customer_columns(config: GeneratorConfig, people: _People) -> dict[str, pa.Array]:
    """The CRM export: one clean row per person."""
    rng = _rng(config.seed, 2)
    n, end = people.size, config.end
    age = np.clip(rng.normal(40, 13, n), 16, 90)
    birth_days = ((end - age * 365.25 * DAY) // DAY).astype("int32")
    has_birth = rng.random(n) < 0.75
    has_age = ~has_birth & (rng.random(n) < 0.8)
    loyal = rng.random(n) < 0.3
    updated = people.signup + ((end - 3 * 3600 - people.signup) * rng.random(n) ** 3).astype(
        "int64"
    )
    country = _take(COUNTRIES, people.country_index)
    messy_country = rng.random(n) < 0.1
    number = pc.cast(pa.array(rng.integers(1, 30, n)), pa.string())
    return {
        "customer_id": people.customer_id,
        "email": pc.if_else(
            pa.array(rng.random(n) < 0.02), pa.scalar(None, pa.string()), people.email
        ),
        "phone": people.phone,
        "first_name": people.first_name,
        "last_name": people.last_name,
        "birth_date": pa.array(birth_days, pa.date32(), mask=~has_birth),
        "age": pa.array(age.astype("int32"), pa.int32(), mask=~has_age),
        "gender": _take(GENDERS, _categorical(rng, n, GENDER_WEIGHTS)),
        "income_band": pc.if_else(
            pa.array(rng.random(n) < 0.1),
            pa.scalar(None, pa.string()),
            _take(INCOME_BANDS, _categorical(rng, n, INCOME_WEIGHTS)),
        ),
        "country_code": pc.if_else(
            pa.array(messy_country),
            pc.binary_join_element_wise(" ", pc.utf8_lower(country), ""),
            country,
        ),
        "region": pc.binary_join_element_wise(country, "-R", number, ""),
        "city": pc.binary_join_element_wise(country, " City ", number, ""),
        "signup_at": _iso(people.signup, people.offset, rng.random(n) < UTC_Z_SHARE),
        "is_loyalty_member": pa.array(loyal),
        "loyalty_tier": pa.array(
            _take(TIERS, _categorical(rng, n, TIER_WEIGHTS)).to_numpy(zero_copy_only=False),
            pa.string(),
            mask=~loyal,
        ),
        "updated_at": _timestamps(updated),
        "_loaded_at": _timestamps(_load_time(updated, rng, end)),
    }


# ----------------------------------------------------------------------------- orders


def _order_counts(config: GeneratorConfig, people: _People, rng: np.random.Generator) -> np.ndarray:
    """Orders per person: none for non-buyers; for buyers 1 + a gamma-Poisson (heavy
    tail) scaled by how long the customer was active. The mean over ALL customers is
    orders_per_customer (so buyers average orders_per_customer / share of buyers); as
    every buyer orders at least once, it cannot fall below the share of buyers (~0.75)."""
    span = (people.churn - people.signup) / DAY + 1
    buyers = int(people.buyer.sum())
    mean_span = span[people.buyer].mean() if buyers else 1.0
    per_buyer = config.orders_per_customer * people.size / max(buyers, 1)
    extra = max(per_buyer - 1.0, 0.0)
    propensity = rng.gamma(0.7, 1 / 0.7, people.size)
    counts = 1 + rng.poisson(extra * propensity * span / mean_span)
    return np.where(people.buyer, counts, 0)


def _order_facts(
    owner: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    people: _People,
    rng: np.random.Generator,
    calendar: _Calendar,
    end: int,
) -> dict[str, np.ndarray]:
    """Times, amounts and states of orders of ``owner`` placed within [lo, hi]."""
    m = len(owner)
    ordered = calendar.draw(lo, hi, people.offset[owner], rng.random(m), rng, decay=1.5)
    order = np.lexsort((ordered, owner))  # each customer's orders in time order
    owner, ordered = owner[order], ordered[order]
    status = _categorical(rng, m, STATUS_WEIGHTS)
    status = np.where(rng.random(m) < 0.05, status + 3, status)  # odd casing
    settle = np.where(status % 3 == 0, rng.integers(60, 3 * DAY, m), rng.integers(DAY, 30 * DAY, m))
    updated = np.minimum(ordered + settle, end)
    currency = COUNTRY_CURRENCY[people.country_index[owner]]
    return {
        "owner": owner,
        "ordered": ordered,
        "status": status,
        "updated": updated,
        "amount": np.round(rng.lognormal(3.9, 0.7, m) * people.spend_level[owner], 2),
        "currency": np.where(rng.random(m) < 0.1, currency + 3, currency),
        "guest": rng.random(m) < 0.03,
        "channel": _categorical(rng, m, SALES_CHANNEL_WEIGHTS),
        "loaded": _load_time(updated, rng, end),
        "as_utc": rng.random(m) < UTC_Z_SHARE,
    }


def _order_columns(
    facts: dict[str, np.ndarray],
    first_number: int,
    customer_id: pa.Array,
    email: pa.Array,
    offset: np.ndarray,
) -> dict[str, pa.Array]:
    """Orders as Arrow columns; guest checkouts carry the email instead of the id."""
    guest = pa.array(facts["guest"])
    owner = facts["owner"]
    return {
        "order_id": _ids("O", first_number + np.arange(len(owner))),
        "customer_id": pc.if_else(guest, pa.scalar(None, pa.string()), _take(customer_id, owner)),
        "customer_email": pc.if_else(guest, _take(email, owner), pa.scalar(None, pa.string())),
        "ordered_at": _iso(facts["ordered"], offset[owner], facts["as_utc"]),
        "amount": pa.array(facts["amount"]),
        "currency": _take(CURRENCIES, facts["currency"]),
        "status": _take(STATUSES, facts["status"]),
        "sales_channel": _take(SALES_CHANNELS, facts["channel"]),
        "updated_at": _timestamps(facts["updated"]),
        "_loaded_at": _timestamps(facts["loaded"]),
    }


def _order_line_table(
    order_id: pa.Array, amount: np.ndarray, loaded: np.ndarray, rng: np.random.Generator
) -> pa.Table:
    """1-5 lines per order; quantity × unit_price of the lines add up to the order
    amount to within half a cent per unit (prices are rounded to cents)."""
    m = len(amount)
    lines = 1 + np.minimum(rng.poisson(0.9, m), 4)
    order_index = np.repeat(np.arange(m), lines)
    k = len(order_index)
    weight = rng.random(k) + 0.2
    share = weight / np.bincount(order_index, weights=weight, minlength=m)[order_index]
    quantity = 1 + np.minimum(rng.poisson(0.4, k), 9)
    product = (rng.zipf(1.4, k) - 1) % 2000
    return _table(
        "order_lines",
        {
            "order_line_id": _ids("L", np.arange(k)),
            "order_id": _take(order_id, order_index),
            "product_id": _ids("P", product),
            "category": _take(CATEGORIES, product % len(CATEGORIES)),
            "quantity": pa.array(quantity.astype("int32")),
            "unit_price": pa.array(np.round(amount[order_index] * share / quantity, 2)),
            "_loaded_at": _timestamps(loaded[order_index]),
        },
    )


# ----------------------------------------------------------------------------- dirt: CRM


def _email_variant(email: pa.Array, rng: np.random.Generator) -> pa.Array:
    """The same address that a different system wrote: upper case or padded. Always
    differs from the original, equal after lower(trim())."""
    padded = pc.binary_join_element_wise("  ", email, " ", "")
    return pc.if_else(pa.array(rng.random(len(email)) < 0.5), pc.utf8_upper(email), padded)


def _bad_emails(first: pa.Array, last: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Unusable addresses as typed into forms: 'jane.doe@', 'jane.doe.example.com',
    'jane doe@example.com', 'jane.doe@@example.com'."""
    f, l = pc.utf8_lower(first), pc.utf8_lower(last)
    forms = [
        pc.binary_join_element_wise(f, ".", l, "@", ""),
        pc.binary_join_element_wise(f, ".", l, ".example.com", ""),
        pc.binary_join_element_wise(f, " ", l, "@example.com", ""),
        pc.binary_join_element_wise(f, ".", l, "@@example.com", ""),
    ]
    return pc.choose(pa.array(rng.integers(0, BAD_EMAIL_FORMS, len(first)).astype("int8")), *forms)


def _customer_dirt(
    config: GeneratorConfig, people: _People, columns: dict[str, pa.Array]
) -> tuple[pa.Table, dict[str, int], dict[str, object]]:
    """Dirty the CRM export. Returns the table, per-kind counts, and the second
    identities (multi_identifier_persons) whose orders the caller generates."""
    rng, rates, end, n = _rng(config.seed, 10), config.dirt, config.end, people.size
    counts: dict[str, int] = {}
    columns = dict(columns)

    rows = _rows(rng, n, rates.invalid_emails)
    columns["email"] = _replace(
        columns["email"],
        rows,
        _bad_emails(_take(people.first_name, rows), _take(people.last_name, rows), rng),
    )
    counts["invalid_emails"] = len(rows)

    rows = _rows(rng, n, rates.impossible_ages)
    has_birth = np.asarray(columns["birth_date"].is_valid())[rows]
    too_old = rng.random(len(rows)) < 0.5
    bad_birth = np.where(
        too_old,
        np.datetime64("1890-01-01", "D").astype("int64") - rng.integers(0, 3000, len(rows)),
        end // DAY + rng.integers(30, 2000, len(rows)),
    )
    columns["birth_date"] = _replace(
        columns["birth_date"],
        rows[has_birth],
        pa.array(bad_birth[has_birth].astype("int32"), pa.date32()),
    )
    bad_age = np.where(too_old, rng.integers(121, 200, len(rows)), -rng.integers(1, 10, len(rows)))
    columns["age"] = _replace(
        columns["age"], rows[~has_birth], pa.array(bad_age[~has_birth].astype("int32"))
    )
    counts["impossible_ages"] = len(rows)
    table = _table("customers", columns)

    # the same person under a second CRM id: same email (as another system wrote it)
    # or, with a different email, the same phone; signed up later, with their own orders
    persons = _rows(rng, n, rates.multi_identifier_persons)
    second_id = _ids("C", n + np.arange(len(persons)))
    share_email = rng.random(len(persons)) < 0.6
    other_email = pc.binary_join_element_wise(
        pc.utf8_lower(_take(people.first_name, persons)),
        "_",
        pc.cast(pa.array(persons), pa.string()),
        "@alt.example.com",
        "",
    )
    signup = people.signup[persons] + (
        (end - people.signup[persons]) * rng.random(len(persons)) * 0.5
    ).astype("int64")
    extra = table.take(pa.array(persons))
    extra = _with(
        extra,
        {
            "customer_id": second_id,
            "email": pc.if_else(
                pa.array(share_email),
                _email_variant(_take(people.email, persons), rng),
                other_email,
            ),
            "phone": pc.if_else(
                pa.array(share_email), pa.scalar(None, pa.string()), _take(people.phone, persons)
            ),
            "signup_at": _iso(signup, people.offset[persons], np.zeros(len(persons), bool)),
            "updated_at": _timestamps(signup + 3600),
            "_loaded_at": _timestamps(signup + 7200),
        },
    )
    counts["multi_identifier_persons"] = len(persons)

    rows = _rows(rng, n, rates.near_duplicate_emails)
    newer = np.minimum(people.signup[rows] + rng.integers(400, 800, len(rows)) * DAY, end - 3600)
    versions = _with(
        table.take(pa.array(rows)),
        {
            "email": _email_variant(_take(people.email, rows), rng),
            "updated_at": _timestamps(newer),
            "_loaded_at": _timestamps(newer + 900),
        },
    )
    counts["near_duplicate_emails"] = len(rows)

    table = pa.concat_tables([table, extra, versions]).combine_chunks()
    table, counts["late_arriving"] = _late_column(
        table, "updated_at", rng, rates.late_arriving, end
    )
    table, generic = _apply_dirt("customers", table, config)
    counts.update(generic)
    table, counts["exact_duplicates"] = _duplicate(table, rng, rates.exact_duplicates)
    second = {"persons": persons, "customer_id": second_id, "signup": signup}
    return table, counts, second


def _with(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    """``table`` with some columns replaced, keeping position and type."""
    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        field = table.schema.field(index)
        table = table.set_column(index, field, pc.cast(values, field.type))
    return table


def _seconds(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A timestamp[us] column as epoch seconds (nulls are not expected here)."""
    return pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000


def _late_column(
    table: pa.Table, business: str, rng: np.random.Generator, rate: float, end: int
) -> tuple[pa.Table, int]:
    """Apply ``_late`` to a table whose business time is a timestamp column."""
    loaded, count = _late(
        _seconds(table.column("_loaded_at")), _seconds(table.column(business)), rng, rate, end
    )
    return _with(table, {"_loaded_at": _timestamps(loaded)}), count


# ----------------------------------------------------------------------------- dirt: targets

Values = Callable[[pa.Table, np.ndarray, np.random.Generator], dict[str, pa.Array]]


@dataclass(frozen=True)
class _Target:
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
        return {column: _iso(future, offset, np.zeros(len(rows), bool))}

    return values


def _future_local(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
    """Web events: a device wall clock in 2031."""
    return {"occurred_at": _timestamps(FUTURE_YEAR_START + rng.integers(0, 300 * DAY, len(rows)))}


def _unparseable_iso(column: str) -> Values:
    """Timestamp text no parser accepts (UNPARSEABLE_TIMESTAMPS)."""

    def values(table: pa.Table, rows: np.ndarray, rng: np.random.Generator) -> dict:
        return {
            column: _take(
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
DIRT_TARGETS: dict[str, dict[str, tuple[_Target, ...]]] = {
    "non_positive_amounts": {
        "orders": (_Target("non_positive_amount", _non_positive_amount),),
        "order_lines": (
            _Target("non_positive_quantity", _non_positive_quantity),
            _Target("negative_unit_price", _negative_unit_price),
        ),
    },
    "unknown_enums": {
        "customers": (_Target("unknown_gender", _constant("gender", UNKNOWN_GENDER)),),
        "orders": (
            _Target("unknown_order_status", _constant("status", UNKNOWN_STATUS)),
            _Target("unknown_currency", _constant("currency", UNKNOWN_CURRENCY)),
        ),
        "events": (_Target("unknown_event_type", _constant("event_type", UNKNOWN_EVENT_TYPE)),),
        "email_events": (
            _Target("unknown_email_event_type", _constant("event_type", UNKNOWN_EMAIL_EVENT_TYPE)),
        ),
        "consent_events": (
            _Target("unknown_consent_purpose", _constant("purpose", UNKNOWN_CONSENT_PURPOSE)),
            _Target("unknown_consent_status", _constant("status", UNKNOWN_CONSENT_STATUS)),
        ),
    },
    "future_timestamps": {
        "customers": (_Target("future_signup_at", _future_iso("signup_at")),),
        "orders": (_Target("future_ordered_at", _future_iso("ordered_at")),),
        "events": (_Target("future_occurred_at", _future_local),),
        "email_events": (_Target("future_occurred_at", _future_iso("occurred_at")),),
        "consent_events": (_Target("future_occurred_at", _future_iso("occurred_at")),),
    },
    "unparseable_timestamps": {
        "customers": (_Target("invalid_signup_at", _unparseable_iso("signup_at")),),
        "orders": (_Target("invalid_ordered_at", _unparseable_iso("ordered_at")),),
        "events": (
            _Target("invalid_occurred_at", _nulls("occurred_at")),
            _Target("invalid_occurred_at", _offset_in_seconds),
        ),
        "email_events": (_Target("invalid_occurred_at", _unparseable_iso("occurred_at")),),
        "consent_events": (_Target("invalid_occurred_at", _unparseable_iso("occurred_at")),),
    },
    "null_keys": {
        "customers": (_Target("missing_customer_id", _nulls("customer_id")),),
        "orders": (
            _Target("missing_order_id", _nulls("order_id")),
            _Target("missing_customer_reference", _nulls("customer_id", "customer_email")),
        ),
        "order_lines": (
            _Target("missing_order_line_id", _nulls("order_line_id")),
            _Target("missing_order_id", _nulls("order_id")),
            _Target("missing_product_id", _nulls("product_id")),
        ),
        "events": (
            _Target("missing_event_id", _nulls("event_id")),
            _Target("missing_anonymous_id", _nulls("anonymous_id")),
            _Target("missing_session_id", _nulls("session_id")),
        ),
        "email_events": (
            _Target("missing_email_event_id", _nulls("email_event_id")),
            _Target("missing_customer_id", _nulls("customer_id")),
        ),
        "consent_events": (
            _Target("missing_consent_event_id", _nulls("consent_event_id")),
            _Target("missing_customer_id", _nulls("customer_id")),
        ),
        "deletion_requests": (
            _Target("missing_request_id", _nulls("request_id")),
            _Target("missing_customer_reference", _nulls("customer_id", "email")),
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


def _apply_dirt(
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
        rng = _rng(config.seed, 60, TABLES.index(name), kind_number, block)
        counts[kind] = 0
        for target, rows in zip(
            targets, _hit_rows(rng, table.num_rows, rates[kind], len(targets)), strict=True
        ):
            if len(rows):
                replaced = {
                    column: _replace(table.column(column), rows, values)
                    for column, values in target.values(table, rows, rng).items()
                }
                table = _with(table, replaced)
            counts[kind] += len(rows)
    return table, counts


# ----------------------------------------------------------------------------- dirt: orders


def _order_dirt(
    config: GeneratorConfig,
    columns: dict[str, pa.Array],
    facts: dict[str, np.ndarray],
) -> tuple[pa.Table, dict[str, int]]:
    """Dirty the order export (late loads, then DIRT_TARGETS, then copies)."""
    rng, rates, end = _rng(config.seed, 11), config.dirt, config.end
    counts: dict[str, int] = {}
    columns = dict(columns)

    loaded, counts["late_arriving"] = _late(
        facts["loaded"], facts["updated"], rng, rates.late_arriving, end
    )
    columns["_loaded_at"] = _timestamps(loaded)
    table, generic = _apply_dirt("orders", _table("orders", columns), config)
    counts.update(generic)
    table, counts["exact_duplicates"] = _duplicate(table, rng, rates.exact_duplicates)
    return table, counts


# ----------------------------------------------------------------------------- events


def _events_per_session() -> float:
    """Expected events in one session of the funnel (to hit events_per_customer)."""
    product = PRODUCT_VIEWS_N * PRODUCT_VIEW_P
    cart = (1 - (1 - PRODUCT_VIEW_P) ** PRODUCT_VIEWS_N) * CART_P
    return 1 / PAGE_VIEW_P + product + cart * (1 + CHECKOUT_P + CHECKOUT_P * PURCHASE_P)


def _event_block(
    config: GeneratorConfig, people: _People, calendar: _Calendar, block: int, mean_span: float
) -> tuple[pa.Table, dict[str, int]]:
    """Sessions and their events for one block of customers, with their dirt.

    Each customer has 1-3 devices (an anonymous_id each). A device browses anonymously
    until its first login (some never log in), so customer_id is set only on later events.
    """
    rng = _rng(config.seed, 20, block)
    lo_c = block * BLOCK_CUSTOMERS
    customers = np.arange(lo_c, min(lo_c + BLOCK_CUSTOMERS, people.size))
    n_dev = 1 + _categorical(rng, len(customers), np.array([0.6, 0.3, 0.1]))
    dev_owner = np.repeat(customers, n_dev)
    dev_number = dev_owner * 3 + (
        np.arange(len(dev_owner)) - np.repeat(np.cumsum(n_dev) - n_dev, n_dev)
    )
    d = len(dev_owner)
    dev_kind = _categorical(rng, d, DEVICE_WEIGHTS)
    lo = people.signup[dev_owner] - PRE_SIGNUP_BROWSING_DAYS * DAY
    hi = people.churn[dev_owner]
    login_share = rng.random(d) ** 2
    login_at = np.where(
        rng.random(d) < 0.1, np.iinfo("int64").max, lo + ((hi - lo) * login_share).astype("int64")
    )
    span = (hi - lo) / DAY + 1
    sessions = rng.poisson(
        config.events_per_customer
        / _events_per_session()
        * people.activity[dev_owner]
        * span
        / mean_span
        / n_dev.repeat(n_dev)
    )
    s_dev = np.repeat(np.arange(d), sessions)
    s = len(s_dev)
    s_start = calendar.draw(
        lo[s_dev], hi[s_dev], people.offset[dev_owner[s_dev]], rng.random(s), rng
    )
    pages = rng.geometric(PAGE_VIEW_P, s)
    products = rng.binomial(PRODUCT_VIEWS_N, PRODUCT_VIEW_P, s)
    cart = (products > 0) & (rng.random(s) < CART_P)
    checkout = cart & (rng.random(s) < CHECKOUT_P)
    purchase = checkout & (rng.random(s) < PURCHASE_P)
    steps = np.stack([pages, products, cart, checkout, purchase], axis=1).astype("int64")
    per_session = steps.sum(axis=1)
    e_session = np.repeat(np.arange(s), per_session)
    e = len(e_session)
    e_type = np.repeat(np.tile(np.arange(5), s), steps.ravel())
    gap = rng.exponential(40.0, e).astype("int64") + 1
    elapsed = np.cumsum(gap)
    first = np.cumsum(per_session) - per_session
    elapsed -= np.repeat(elapsed[first] if s else np.zeros(0, "int64"), per_session)
    utc = np.minimum(s_start[e_session] + elapsed, config.end)  # a session never runs past history
    dev = s_dev[e_session]
    owner = dev_owner[dev]
    offset = people.offset[owner]
    channel = _categorical(rng, s, CHANNEL_WEIGHTS)
    has_campaign = CAMPAIGN_CHANNELS[channel]
    product = (rng.zipf(1.4, e) - 1) % 2000
    base = block * EVENT_ID_STRIDE
    columns = {
        "event_id": _ids("E", base + np.arange(e)),
        "anonymous_id": _ids("A", dev_number[dev]),
        "customer_id": pc.if_else(
            pa.array(utc >= login_at[dev]),
            _take(people.customer_id, owner),
            pa.scalar(None, pa.string()),
        ),
        "session_id": _ids("S", base + e_session),
        "event_type": _take(EVENT_TYPES, e_type),
        "page_path": pc.if_else(
            pa.array(e_type == 1),
            pc.binary_join_element_wise("/products/P", pc.cast(pa.array(product), pa.string()), ""),
            _take(PAGE_PATHS, e_type),
        ),
        "device": _take(DEVICES, dev_kind[dev]),
        "channel": _take(CHANNELS, channel[e_session]),
        "campaign": pc.if_else(
            pa.array(has_campaign[e_session]),
            pc.binary_join_element_wise(
                "cmp_", pc.cast(pa.array(rng.integers(1, 40, s)[e_session]), pa.string()), ""
            ),
            pa.scalar(None, pa.string()),
        ),
        "occurred_at": _timestamps(utc + offset * 60),
        "utc_offset_minutes": pa.array(offset.astype("int32")),
    }
    return _event_dirt(config, columns, utc, _load_time(utc, rng, config.end, 5, 3600), block)


def _event_dirt(
    config: GeneratorConfig,
    columns: dict[str, pa.Array],
    utc: np.ndarray,
    loaded: np.ndarray,
    block: int,
) -> tuple[pa.Table, dict[str, int]]:
    """Dirty one block of events (late loads, then DIRT_TARGETS, then copies)."""
    rng, rates = _rng(config.seed, 21, block), config.dirt
    counts: dict[str, int] = {}
    loaded, counts["late_arriving"] = _late(loaded, utc, rng, rates.late_arriving, config.end)
    columns["_loaded_at"] = _timestamps(loaded)
    table, generic = _apply_dirt("events", _table("events", columns), config, block)
    counts.update(generic)
    table, counts["exact_duplicates"] = _duplicate(table, rng, rates.exact_duplicates)
    return table, counts


def _email_block(config: GeneratorConfig, people: _People, block: int) -> pa.Table:
    """Fortnightly campaign sends to consenting, not-long-churned customers, with
    opens (~20 %), clicks (~15 % of opens) and a few unsubscribes."""
    rng = _rng(config.seed, 30, block)
    end = config.end
    lo_c = block * BLOCK_CUSTOMERS
    customers = np.arange(lo_c, min(lo_c + BLOCK_CUSTOMERS, people.size))
    send_at = end - (EMAIL_CAMPAIGNS - np.arange(EMAIL_CAMPAIGNS)) * 14 * DAY + 9 * 3600
    owner = np.repeat(customers, EMAIL_CAMPAIGNS)
    campaign = np.tile(np.arange(EMAIL_CAMPAIGNS), len(customers))
    sent = send_at[campaign]
    alive = (
        (sent >= people.email_consent_from[owner])
        & (sent < people.email_consent_until[owner])
        & (sent <= people.churn[owner] + 90 * DAY)
    )
    owner, campaign, sent = (
        owner[alive],
        campaign[alive],
        sent[alive] + rng.integers(0, 1800, alive.sum()),
    )
    p_open = rng.beta(1.5, 6.0, len(customers))[owner - lo_c]
    k = len(owner)
    opened = rng.random(k) < p_open
    clicked = opened & (rng.random(k) < 0.15)
    unsubscribed = rng.random(k) < 0.002
    kinds = (
        ("send", np.ones(k, bool)),
        ("open", opened),
        ("click", clicked),
        ("unsubscribe", unsubscribed),
    )
    delay = np.stack(
        [
            np.zeros(k, "int64"),
            rng.exponential(6 * 3600, k).astype("int64") + 60,
            np.zeros(k, "int64"),
            rng.integers(60, 3 * DAY, k),
        ]
    )
    delay[2] = delay[1] + rng.integers(10, 600, k)
    pick = [np.flatnonzero(mask) for _, mask in kinds]
    rows_owner = np.concatenate([owner[p] for p in pick])
    rows_campaign = np.concatenate([campaign[p] for p in pick])
    rows_type = np.concatenate([np.full(len(p), i) for i, p in enumerate(pick)])
    rows_at = np.minimum(np.concatenate([sent[p] + delay[i, p] for i, p in enumerate(pick)]), end)
    count = len(rows_owner)
    return _table(
        "email_events",
        {
            "email_event_id": _ids("M", block * EVENT_ID_STRIDE + np.arange(count)),
            "customer_id": _take(people.customer_id, rows_owner),
            "campaign_id": _ids("cmp_email_", rows_campaign),
            "event_type": _take(pa.array([name for name, _ in kinds]), rows_type),
            "occurred_at": _iso(rows_at, people.offset[rows_owner], rng.random(count) < 0.7),
            "_loaded_at": _timestamps(_load_time(rows_at, rng, end)),
        },
    )


def _consent_table(config: GeneratorConfig, people: _People) -> pa.Table:
    """A grant per purpose at sign-up (marketing_email as drawn for the people, the
    others here); some grants are revoked later."""
    rng = _rng(config.seed, 40)
    n = people.size
    granted = rng.random((n, len(CONSENT_PURPOSES))) < CONSENT_GRANT_RATES
    granted[:, 0] = people.email_consent_from < np.iinfo("int64").max
    owner, purpose = np.nonzero(granted)
    at = people.signup[owner] + rng.integers(0, 600, len(owner))
    revoked = rng.random(len(owner)) < CONSENT_REVOKE_RATE
    revoked_at = at + ((config.end - at) * rng.random(len(owner))).astype("int64")
    email = purpose == 0
    at[email] = people.email_consent_from[owner[email]]
    revoked[email] = people.email_consent_until[owner[email]] < np.iinfo("int64").max
    revoked_at[email] = np.where(revoked[email], people.email_consent_until[owner[email]], 0)
    all_owner = np.concatenate([owner, owner[revoked]])
    all_at = np.concatenate([at, revoked_at[revoked]])
    status = np.concatenate([np.zeros(len(owner), "int8"), np.ones(revoked.sum(), "int8")])
    count = len(all_owner)
    return _table(
        "consent_events",
        {
            "consent_event_id": _ids("K", np.arange(count)),
            "customer_id": _take(people.customer_id, all_owner),
            "purpose": _take(CONSENT_PURPOSES, np.concatenate([purpose, purpose[revoked]])),
            "status": _take(pa.array(["granted", "revoked"]), status),
            "occurred_at": _iso(all_at, people.offset[all_owner], rng.random(count) < UTC_Z_SHARE),
            "_loaded_at": _timestamps(_load_time(all_at, rng, config.end)),
        },
    )


def _deletion_table(config: GeneratorConfig, people: _People) -> pa.Table:
    """Erasure requests from ~0.5 % of customers in the last half year; a third name only
    their email (as typed, any case)."""
    rng = _rng(config.seed, 50)
    who = _rows(rng, people.size, 0.005)
    k = len(who)
    by_email = rng.random(k) < 0.33
    lo = np.maximum(people.signup[who], config.end - 180 * DAY)
    at = lo + ((config.end - lo) * rng.random(k)).astype("int64")
    email = _take(people.email, who)
    return _table(
        "deletion_requests",
        {
            "request_id": _ids("D", np.arange(k)),
            "customer_id": pc.if_else(
                pa.array(by_email), pa.scalar(None, pa.string()), _take(people.customer_id, who)
            ),
            "email": pc.if_else(
                pa.array(by_email),
                pc.if_else(pa.array(rng.random(k) < 0.3), pc.utf8_upper(email), email),
                pa.scalar(None, pa.string()),
            ),
            "requested_at": _iso(at, people.offset[who], rng.random(k) < UTC_Z_SHARE),
            "_loaded_at": _timestamps(_load_time(at, rng, config.end, 600, DAY)),
        },
    )


# ----------------------------------------------------------------------------- assembly


def _blocks(config: GeneratorConfig) -> int:
    return -(-config.customers // BLOCK_CUSTOMERS)


class _Run:
    """One generation run: the small tables eagerly, the big ones as block iterators,
    and the manifest counts."""

    def __init__(self, config: GeneratorConfig) -> None:
        if config.customers < 1:
            raise ValueError("customers must be at least 1")
        self.config = config
        self.calendar = _Calendar(config.start - PRE_SIGNUP_BROWSING_DAYS * DAY, config.end)
        self.people = _people(config, self.calendar)
        self.injected: dict[str, dict[str, int]] = {}
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        span = (self.people.churn - self.people.signup) / DAY + 1 + PRE_SIGNUP_BROWSING_DAYS
        self.mean_span = float(span.mean())

    def small_tables(self) -> dict[str, pa.Table]:
        """customers, orders, order_lines, consent_events, deletion_requests."""
        config, people = self.config, self.people
        customers, self.injected["customers"], second = _customer_dirt(
            config, people, _customer_columns(config, people)
        )
        rng = _rng(config.seed, 3)
        owner = np.repeat(np.arange(people.size), _order_counts(config, people, rng))
        facts = _order_facts(
            owner, people.signup[owner], people.churn[owner], people, rng, self.calendar, config.end
        )
        # second identities place 1-3 orders of their own after their sign-up
        persons = second["persons"]
        per = 1 + _categorical(rng, len(persons), np.array([0.5, 0.3, 0.2]))
        which = np.repeat(np.arange(len(persons)), per)
        second_facts = _order_facts(
            persons[which],
            second["signup"][which],
            np.maximum(people.churn[persons[which]], second["signup"][which] + DAY),
            people,
            rng,
            self.calendar,
            config.end,
        )
        # _order_facts sorts by person; persons are ascending with one second identity
        # each, so after the sort the k-th order still belongs to second identity which[k]
        second_facts["guest"][:] = False
        main = _order_columns(facts, 0, people.customer_id, people.email, people.offset)
        extra = _order_columns(
            {**second_facts, "owner": which},
            len(owner),
            second["customer_id"],
            _take(people.email, persons),
            people.offset[persons],
        )
        columns = {name: pa.concat_arrays([main[name], extra[name]]) for name in main}
        all_facts = {
            key: np.concatenate([facts[key], second_facts[key]])
            for key in ("amount", "updated", "loaded")
        }
        del main, extra, facts, second_facts, owner  # bounds peak memory at 1M customers
        # clean tables go straight into _apply_dirt, holding no other reference, so
        # their clean columns are freed as soon as the dirty copies exist
        order_lines, self.injected["order_lines"] = _apply_dirt(
            "order_lines",
            _order_line_table(
                columns["order_id"], all_facts["amount"], all_facts["loaded"], _rng(config.seed, 4)
            ),
            config,
        )
        orders, self.injected["orders"] = _order_dirt(config, columns, all_facts)
        del columns, all_facts
        consent, self.injected["consent_events"] = _apply_dirt(
            "consent_events", _consent_table(config, people), config
        )
        deletions, self.injected["deletion_requests"] = _apply_dirt(
            "deletion_requests", _deletion_table(config, people), config
        )
        tables = {
            "customers": customers,
            "orders": orders,
            "order_lines": order_lines,
            "consent_events": consent,
            "deletion_requests": deletions,
        }
        for name, table in tables.items():
            self.rows[name] = table.num_rows
        return tables

    def event_blocks(self) -> Iterator[pa.Table]:
        counts: dict[str, int] = {}
        for block in range(_blocks(self.config)):
            table, block_counts = _event_block(
                self.config, self.people, self.calendar, block, self.mean_span
            )
            for kind, count in block_counts.items():
                counts[kind] = counts.get(kind, 0) + count
            self.injected["events"] = dict(counts)
            self.rows["events"] += table.num_rows
            yield table

    def email_blocks(self) -> Iterator[pa.Table]:
        counts: dict[str, int] = {}
        for block in range(_blocks(self.config)):
            table, block_counts = _apply_dirt(
                "email_events", _email_block(self.config, self.people, block), self.config, block
            )
            for kind, count in block_counts.items():
                counts[kind] = counts.get(kind, 0) + count
            self.injected["email_events"] = dict(counts)
            self.rows["email_events"] += table.num_rows
            yield table

    def manifest(self) -> dict:
        config = self.config
        return {
            "seed": config.seed,
            "end_date": config.end_date,
            "customers": config.customers,
            "orders_per_customer": config.orders_per_customer,
            "events_per_customer": config.events_per_customer,
            "dirt_rates": dataclasses.asdict(config.dirt),
            "injected": {
                table: dict(sorted(self.injected.get(table, {}).items())) for table in TABLES
            },
            "rows": dict(self.rows),
            "utc_offsets_minutes": OFFSETS.tolist(),
        }


def generate_with_manifest(config: GeneratorConfig) -> tuple[dict[str, pa.Table], dict]:
    """All seven tables in memory, plus the manifest (seed, sizes, rates, injected counts)."""
    run = _Run(config)
    tables = run.small_tables()
    tables["events"] = pa.concat_tables(list(run.event_blocks()))
    tables["email_events"] = pa.concat_tables(list(run.email_blocks()))
    return {name: tables[name] for name in TABLES}, run.manifest()


def generate(config: GeneratorConfig) -> dict[str, pa.Table]:
    """All seven raw tables of the contract, in memory. Deterministic for ``config``."""
    return generate_with_manifest(config)[0]


def write(tables: dict[str, pa.Table], out_dir: Path | str, manifest: dict | None = None) -> None:
    """One Parquet file per table, plus ``_manifest.json`` when given (written last, so
    its presence means the folder is complete)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        _write_parquet(out / f"{name}.parquet", SCHEMAS[name], [table])
    if manifest is not None:
        _write_manifest(out, manifest)


def generate_to(config: GeneratorConfig, out_dir: Path | str) -> dict:
    """Generate and write, streaming events and email events block by block into
    Parquet row groups so peak memory stays bounded. Same files as ``write(generate())``.

    Encoding and compressing Parquet costs about as much as generating, so one
    background thread writes chunk k while the main thread draws chunk k+1 (both
    release the GIL in Arrow/numpy); at most two chunks wait, bounding memory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_manifest.json").unlink(missing_ok=True)
    run = _Run(config)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque[Future] = deque()

        def submit(function: Callable[..., object], *args: object) -> None:
            pending.append(pool.submit(function, *args))
            while len(pending) > 2:
                pending.popleft().result()

        for name, table in run.small_tables().items():
            submit(_write_parquet, out / f"{name}.parquet", SCHEMAS[name], [table])
        for name, blocks in (("events", run.event_blocks()), ("email_events", run.email_blocks())):
            writer = _parquet_writer(out / f"{name}.parquet", SCHEMAS[name])
            for block in blocks:
                submit(writer.write_table, block, ROW_GROUP_ROWS)
            submit(writer.close)
        while pending:
            pending.popleft().result()
    manifest = run.manifest()
    _write_manifest(out, manifest)
    return manifest


ROW_GROUP_ROWS = 1 << 20
# Columns worth dictionary-encoding (few distinct values); ids and times are not, and
# trying a dictionary on them first only costs time.
DICTIONARY_COLUMNS = [
    "gender",
    "income_band",
    "country_code",
    "region",
    "city",
    "first_name",
    "last_name",
    "loyalty_tier",
    "currency",
    "status",
    "sales_channel",
    "category",
    "product_id",
    "event_type",
    "page_path",
    "device",
    "channel",
    "campaign",
    "utc_offset_minutes",
    "campaign_id",
    "purpose",
    "quantity",
]


def _parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    """zstd, dictionary-encoding only the low-cardinality columns."""
    return pq.ParquetWriter(
        path,
        schema,
        compression="zstd",
        use_dictionary=[name for name in schema.names if name in DICTIONARY_COLUMNS],
    )


def _write_parquet(path: Path, schema: pa.Schema, chunks: Iterable[pa.Table]) -> None:
    """Write chunks as row groups of at most ROW_GROUP_ROWS rows."""
    with _parquet_writer(path, schema) as writer:
        for chunk in chunks:
            writer.write_table(chunk, row_group_size=ROW_GROUP_ROWS)


def _write_manifest(out: Path, manifest: dict) -> None:
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segkit.generate",
        description="Generate deterministic raw sample data (docs/raw_contract.md).",
    )
    defaults = GeneratorConfig()
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    parser.add_argument(
        "--end-date", default=defaults.end_date, help="last day of history (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--orders-per-customer",
        type=float,
        default=defaults.orders_per_customer,
        help="mean orders per customer, over all customers (buyers or not)",
    )
    parser.add_argument(
        "--events-per-customer",
        type=float,
        default=defaults.events_per_customer,
        help="mean web/app events per customer, over all customers",
    )
    parser.add_argument(
        "--dirt",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME=RATE",
        help="override dirt rates; all=0 turns dirt off (later assignments win)",
    )
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    try:
        dirt = DirtRates().override(args.dirt)
        np.datetime64(args.end_date, "D")
    except ValueError as error:
        parser.error(str(error))
    config = GeneratorConfig(
        customers=args.customers,
        seed=args.seed,
        end_date=args.end_date,
        orders_per_customer=args.orders_per_customer,
        events_per_customer=args.events_per_customer,
        dirt=dirt,
    )
    manifest = generate_to(config, args.out)
    print(" ".join(f"{name}={rows:,}" for name, rows in manifest["rows"].items()), f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
