"""Deterministic, vectorised sample data for the segmentation project.

Writes the seven raw tables of docs/raw_contract.md as Parquet files, one per table,
plus ``_manifest.json`` (seed, sizes, dirt rates and how many rows of each dirt kind
were injected per table)::

    python -m segkit.generate --customers 5000 --seed 42 --out data/raw
    python -m segkit.generate --customers 1000000 --out /tmp/raw1m --dirt all=0
    python -m segkit.generate --dirt null_keys=0.05 --dirt invalid_emails=0.02

Shapes: heavy-tailed spend (log-normal order values, a few whales), customers who
never buy, heavy-tailed order counts, repeat purchases that thin out over a
customer's life, weekly and November/December seasonality, churn, a device and
channel mix, sessions that run down a page → product → cart → checkout → purchase
funnel (so carts are abandoned), email sends with lower open and click rates,
consent grants and revocations, deletion requests, and customers in several time
zones. Devices browse anonymously before their first login, so identity stitching
has work to do.

Dirt kinds (``DirtRates`` fields, share of rows of each affected table):
exact_duplicates 1.5%, near_duplicate_emails 1.5%, invalid_emails 1%,
impossible_ages 1%, non_positive_amounts 1%, null_keys 0.5%, future_timestamps 0.5%,
late_arriving 2%, multi_identifier_persons 1%, unknown_enums 0.5%. Mixed time zones
are always present.

Everything is drawn from ``numpy.random.Generator(PCG64(seed))`` streams and dates
are relative to ``end_date``, never the wall clock: the same seed gives the same
files. Events and email events are generated per block of customers with a
block-seeded stream, which bounds memory at 1M customers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TABLES = (
    "customers", "orders", "order_lines", "events", "email_events", "consent_events", "deletion_requests",
)
HISTORY_DAYS = 3 * 365
BLOCK_CUSTOMERS = 100_000
SECONDS_PER_DAY = 86_400

COUNTRIES = np.array(["US", "GB", "DE", "FR", "ES", "CA", "IN", "JP"])
COUNTRY_WEIGHTS = np.array([0.42, 0.15, 0.1, 0.09, 0.05, 0.07, 0.06, 0.06])
# Aligned with COUNTRIES: two candidate UTC offsets in minutes (the US spans zones),
# the currency and the calling code.
COUNTRY_OFFSETS = np.array([(-300, -480), (0, 0), (60, 120), (60, 120), (60, 120), (-300, -300), (330, 330),
                            (540, 540)])
COUNTRY_CURRENCY = np.array(["USD", "GBP", "EUR", "EUR", "EUR", "USD", "USD", "USD"])
COUNTRY_CALLING_CODE = np.array(["1", "44", "49", "33", "34", "1", "91", "81"])
FIRST_NAMES = np.array(["Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jack",
                        "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara"])
LAST_NAMES = np.array(["Smith", "Garcia", "Muller", "Martin", "Khan", "Tanaka", "Brown", "Rossi", "Silva",
                       "Nguyen", "Patel", "Cohen", "Lopez", "Wilson", "Sato", "Dubois"])
DOMAINS = np.array(["example.com", "mail.example.org", "inbox.example.net", "example.co.uk"])
GENDERS = np.array(["female", "male", "non_binary", "unknown"])
INCOME_BANDS = np.array(["low", "medium", "high", "very_high"])
DEVICES = np.array(["mobile", "desktop", "tablet"])
CHANNELS = np.array(["direct", "organic", "paid_search", "social", "email", "referral"])
SALES_CHANNELS = np.array(["web", "app", "store"])
EVENT_TYPES = np.array(["page_view", "product_view", "add_to_cart", "checkout", "purchase"])
PAGE_PATHS = np.array(["/home", "/products/", "/cart", "/checkout", "/order/confirmation"])
CATEGORIES = np.array(["apparel", "shoes", "accessories", "home", "beauty", "electronics", "sports", "toys"])
CONSENT_PURPOSES = np.array(["marketing_email", "marketing_sms", "personalisation", "analytics"])
CONSENT_GRANT_RATES = np.array([0.7, 0.3, 0.8, 0.9])


@dataclass(frozen=True)
class DirtRates:
    """Share of rows of each affected table that get each kind of dirt."""

    exact_duplicates: float = 0.015
    near_duplicate_emails: float = 0.015
    invalid_emails: float = 0.01
    impossible_ages: float = 0.01
    non_positive_amounts: float = 0.01
    null_keys: float = 0.005
    future_timestamps: float = 0.005
    late_arriving: float = 0.02
    multi_identifier_persons: float = 0.01
    unknown_enums: float = 0.005

    def override(self, assignments: list[str]) -> "DirtRates":
        """Apply NAME=RATE assignments; ``all=RATE`` sets every rate first."""
        values = dataclasses.asdict(self)
        for assignment in assignments:
            name, _, rate_text = assignment.partition("=")
            rate = float(rate_text)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"dirt rate {assignment!r} must be between 0 and 1")
            if name == "all":
                values = {key: rate for key in values}
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
    orders_per_customer: float = 10.0
    events_per_customer: float = 50.0
    dirt: DirtRates = field(default_factory=DirtRates)


# --------------------------------------------------------------------------- helpers


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """'<prefix><number>' ids built in Arrow, not Python."""
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers, pa.int64()), pa.string()), "")


def _ids_or_null(prefix: str, numbers: np.ndarray, is_null: np.ndarray) -> pa.Array:
    """Like _ids, with nulls where ``is_null`` is true."""
    return pc.if_else(pa.array(~is_null), _ids(prefix, numbers), pa.scalar(None, pa.string()))


def _seconds_to_timestamp(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds → Arrow timestamp[us] (naive, the caller says in which zone)."""
    return pa.array(seconds.astype("int64") * 1_000_000, pa.timestamp("us"))


def _iso_with_offset(utc_seconds: np.ndarray, offset_minutes: np.ndarray) -> pa.Array:
    """ISO-8601 text of the local time with its UTC offset ('2026-03-01 10:15:00+02:00', or 'Z')."""
    if len(utc_seconds) == 0:
        return pa.array([], pa.string())
    local = pa.array(utc_seconds.astype("int64") + offset_minutes.astype("int64") * 60, pa.timestamp("s"))
    text = pc.strftime(local, format="%Y-%m-%d %H:%M:%S")
    sign = np.where(offset_minutes < 0, "-", "+")
    hours = np.char.zfill((np.abs(offset_minutes) // 60).astype(str), 2)
    minutes = np.char.zfill((np.abs(offset_minutes) % 60).astype(str), 2)
    suffix = np.char.add(np.char.add(np.char.add(sign, hours), ":"), minutes)
    suffix = np.where(offset_minutes == 0, "Z", suffix)
    return pc.binary_join_element_wise(text, pa.array(suffix), "")


def _epoch(date_text: str) -> int:
    return int(np.datetime64(date_text, "s").astype("int64"))


def _day_weights(start: int, days: int) -> np.ndarray:
    """Relative activity per calendar day: a weekly rhythm and a November/December peak."""
    dates = (np.datetime64(start, "s").astype("datetime64[D]") + np.arange(days)).astype("datetime64[D]")
    weekday = (dates.astype("int64") + 3) % 7  # 0 = Monday
    month = dates.astype("datetime64[M]").astype("int64") % 12 + 1
    weekly = np.where(weekday >= 5, 1.25, 1.0)
    yearly = np.where(month == 11, 1.6, np.where(month == 12, 1.8, np.where(month == 1, 0.8, 1.0)))
    return weekly * yearly


class _Calendar:
    """Draws activity days inside a customer's active span from the seasonal density."""

    def __init__(self, start: int, days: int) -> None:
        self.start = start
        self.cumulative = np.concatenate([[0.0], np.cumsum(_day_weights(start, days))])

    def draw(self, span_start: np.ndarray, span_end: np.ndarray, u: np.ndarray, rng: np.random.Generator,
             decay: float = 1.0) -> np.ndarray:
        """Epoch seconds in [span_start, span_end]; ``decay`` > 1 crowds draws toward the start."""
        lo = np.interp((span_start - self.start) / SECONDS_PER_DAY, np.arange(len(self.cumulative)),
                       self.cumulative)
        hi = np.interp((span_end - self.start) / SECONDS_PER_DAY, np.arange(len(self.cumulative)),
                       self.cumulative)
        target = lo + (hi - lo) * u ** decay
        day = np.clip(np.searchsorted(self.cumulative, target) - 1, 0, len(self.cumulative) - 2)
        seconds = self.start + day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, len(u))
        return np.clip(seconds, span_start, span_end)


def _pick(rng: np.random.Generator, count: int, rate: float) -> np.ndarray:
    """Indices of a random ``rate`` share of ``count`` rows (exactly round(rate × count))."""
    k = int(round(rate * count))
    return np.sort(rng.choice(count, size=k, replace=False)) if k else np.array([], dtype="int64")


def _set(table: pa.Table, name: str, values: pa.Array | np.ndarray) -> pa.Table:
    """Replace a column keeping its position and type."""
    index = table.schema.get_field_index(name)
    kind = table.schema.field(index).type
    return table.set_column(index, pa.field(name, kind), pa.array(values, kind) if not isinstance(
        values, (pa.Array, pa.ChunkedArray)) else pc.cast(values, kind))


def _replace_rows(table: pa.Table, name: str, rows: np.ndarray, values: np.ndarray | list | object) -> pa.Table:
    """Set column ``name`` to ``values`` on ``rows``, in Arrow (no Python objects per row)."""
    if len(rows) == 0:
        return table
    index = table.schema.get_field_index(name)
    kind = table.schema.field(index).type
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    replacement = np.broadcast_to(np.asarray(values, dtype=object), len(rows))
    column = pc.replace_with_mask(table.column(name).combine_chunks(), pa.array(mask),
                                  pa.array(list(replacement), kind))
    return table.set_column(index, pa.field(name, kind), column)


# --------------------------------------------------------------------------- people


def _customers(config: GeneratorConfig, rng: np.random.Generator, calendar: _Calendar) -> dict[str, np.ndarray]:
    """One clean CRM record per person, plus the hidden traits activity is drawn from."""
    n = config.customers
    end = _epoch(config.end_date) + SECONDS_PER_DAY - 1
    start = end - HISTORY_DAYS * SECONDS_PER_DAY
    country_index = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_WEIGHTS)
    offset = COUNTRY_OFFSETS[country_index, (rng.random(n) < 0.4).astype("int64")]
    # more recent sign-ups than old ones: the customer base grows
    signup = calendar.draw(np.full(n, start), np.full(n, end - 7 * SECONDS_PER_DAY), rng.random(n) ** 0.7, rng)
    lifetime_days = rng.exponential(600.0, n)
    churn = np.minimum(signup + lifetime_days * SECONDS_PER_DAY, end).astype("int64")
    first = rng.choice(FIRST_NAMES, size=n)
    last = rng.choice(LAST_NAMES, size=n)
    number = np.arange(n)
    local_part = np.char.add(np.char.add(np.char.add(np.char.lower(first), "."), np.char.lower(last)),
                             number.astype(str))
    email = np.char.add(np.char.add(local_part, "@"), rng.choice(DOMAINS, size=n))
    national = rng.integers(2_000_000_000, 9_999_999_999, n).astype(str)
    calling = COUNTRY_CALLING_CODE[country_index]
    style = rng.integers(0, 3, n)
    us_style = np.char.add(np.char.add(np.char.add("(", _slice(national, 0, 3)), ") "),
                           np.char.add(np.char.add(_slice(national, 3, 6), "-"), _slice(national, 6, 10)))
    intl = np.char.add(np.char.add(np.char.add("+", calling), " "), national)
    zero = np.char.add(np.char.add("00", calling), national)
    phone = np.where((calling == "1") & (style == 0), us_style, np.where(style == 1, zero, intl))
    age = np.clip(rng.normal(40, 13, n), 16, 90)
    birth = (end - age * 365.25 * SECONDS_PER_DAY).astype("int64")
    birth_known = rng.random(n) < 0.75
    loyalty = rng.random(n) < 0.3
    tier = np.where(loyalty, rng.choice(np.array(["bronze", "silver", "gold"]), size=n, p=[0.6, 0.3, 0.1]), "")
    # hidden traits
    buyer = rng.random(n) < 0.8
    spend_level = rng.lognormal(0.0, 0.6, n) * np.where(rng.random(n) < 0.005, 8.0, 1.0)
    activity = rng.gamma(1.2, 1.0 / 1.2, n)
    return {
        "number": number, "country": COUNTRIES[country_index], "country_index": country_index, "offset": offset, "signup": signup, "churn": churn,
        "first": first, "last": last, "email": email, "phone": phone, "birth": birth, "birth_known": birth_known,
        "age": age.astype("int64"), "gender": rng.choice(GENDERS, size=n, p=[0.49, 0.46, 0.02, 0.03]),
        "income": rng.choice(INCOME_BANDS, size=n, p=[0.25, 0.4, 0.25, 0.1]), "loyalty": loyalty, "tier": tier,
        "buyer": buyer, "spend_level": spend_level, "activity": activity, "end": np.int64(end),
    }


def _slice(values: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Vectorised fixed-position substring of a numpy string array."""
    arrow = pc.utf8_slice_codeunits(pa.array(values), start, stop)
    return np.asarray(arrow.to_numpy(zero_copy_only=False), dtype=str)


def _customer_table(people: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Table:
    n = len(people["number"])
    updated = people["signup"] + rng.integers(0, 200, n) * SECONDS_PER_DAY
    updated = np.minimum(updated, people["end"] - 3600)
    region = np.char.add("R", (people["number"] % 20).astype(str))
    city = np.char.add("City", (people["number"] % 150).astype(str))
    return pa.table({
        "customer_id": _ids("C", people["number"]),
        "email": pa.array(people["email"]),
        "phone": pa.array(people["phone"]),
        "first_name": pa.array(people["first"]),
        "last_name": pa.array(people["last"]),
        "birth_date": pa.array(np.where(people["birth_known"], people["birth"], np.iinfo("int64").min)
                               .astype("datetime64[s]").astype("datetime64[D]"),
                               mask=~people["birth_known"]),
        "age": pa.array(people["age"].astype("int32"), pa.int32(), mask=people["birth_known"]),
        "gender": pa.array(people["gender"]),
        "income_band": pa.array(people["income"]),
        "country_code": pa.array(np.where(rng.random(n) < 0.1, np.char.add(" ", np.char.lower(people["country"])),
                                          people["country"])),
        "region": pa.array(region),
        "city": pa.array(city),
        "signup_at": _iso_with_offset(people["signup"], people["offset"]),
        "is_loyalty_member": pa.array(people["loyalty"]),
        "loyalty_tier": pa.array(people["tier"], mask=~people["loyalty"]),
        "updated_at": _seconds_to_timestamp(updated),
        "_loaded_at": _seconds_to_timestamp(updated + rng.integers(300, 7200, n)),
    })


# --------------------------------------------------------------------------- orders


def _orders(config: GeneratorConfig, people: dict[str, np.ndarray], rng: np.random.Generator,
            calendar: _Calendar) -> tuple[pa.Table, dict[str, np.ndarray]]:
    n = len(people["number"])
    buyer_mean = config.orders_per_customer / 0.8
    counts = np.where(people["buyer"], 1 + rng.poisson(rng.gamma(0.9, max(buyer_mean - 1, 0.01) / 0.9, n)), 0)
    owner = np.repeat(np.arange(n), counts)
    m = len(owner)
    # repeat purchases thin out over a customer's life (decay > 1 crowds them early)
    ordered = calendar.draw(people["signup"][owner], people["churn"][owner], rng.random(m), rng, decay=1.4)
    amount = np.round(rng.lognormal(3.9, 0.7, m) * people["spend_level"][owner], 2)
    status = rng.choice(np.array(["completed", "refunded", "cancelled"]), size=m, p=[0.92, 0.05, 0.03])
    status = np.where(rng.random(m) < 0.1, np.char.capitalize(status), status)
    currency = COUNTRY_CURRENCY[people["country_index"][owner]]
    currency = np.where(rng.random(m) < 0.1, np.char.lower(currency), currency)
    guest = rng.random(m) < 0.03
    updated = ordered + rng.integers(60, 3 * SECONDS_PER_DAY, m)
    updated = np.minimum(updated, people["end"])
    table = pa.table({
        "order_id": _ids("O", np.arange(m)),
        "customer_id": _ids_or_null("C", people["number"][owner], guest),
        "customer_email": pa.array(people["email"][owner], mask=~guest),
        "ordered_at": _iso_with_offset(ordered, people["offset"][owner]),
        "amount": pa.array(amount),
        "currency": pa.array(currency),
        "status": pa.array(status),
        "sales_channel": pa.array(rng.choice(SALES_CHANNELS, size=m, p=[0.5, 0.35, 0.15])),
        "updated_at": _seconds_to_timestamp(updated),
        "_loaded_at": _seconds_to_timestamp(updated + rng.integers(300, 7200, m)),
    })
    return table, {"owner": owner, "ordered": ordered, "amount": amount}


def _order_lines(orders: pa.Table, facts: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Table:
    """1-5 lines per order whose quantity × unit price add up to the order amount (to the cent)."""
    m = orders.num_rows
    lines = 1 + np.minimum(rng.poisson(1.0, m), 4)
    order_index = np.repeat(np.arange(m), lines)
    k = len(order_index)
    weights = rng.random(k) + 0.2
    totals = np.bincount(order_index, weights=weights, minlength=m)
    quantity = 1 + rng.poisson(0.4, k)
    line_total = facts["amount"][order_index] * weights / totals[order_index]
    unit_price = np.round(line_total / quantity, 2)
    product = rng.zipf(1.3, k) % 500
    return pa.table({
        "order_line_id": _ids("L", np.arange(k)),
        "order_id": pc.take(orders.column("order_id"), pa.array(order_index)),
        "product_id": _ids("P", product),
        "category": pa.array(CATEGORIES[product % len(CATEGORIES)]),
        "quantity": pa.array(quantity.astype("int32")),
        "unit_price": pa.array(unit_price),
        "_loaded_at": pc.take(orders.column("_loaded_at"), pa.array(order_index)),
    })


# --------------------------------------------------------------------------- events


def _event_block(config: GeneratorConfig, people: dict[str, np.ndarray], block: np.ndarray, rng: np.random.Generator,
                 calendar: _Calendar, first_session: int, first_event: int) -> tuple[pa.Table, int, int]:
    """Sessions and their events for one block of customers."""
    n = len(block)
    devices_per_customer = 1 + np.minimum(rng.poisson(0.5, n), 2)
    device_owner = np.repeat(block, devices_per_customer)
    d = len(device_owner)
    device_kind = rng.choice(DEVICES, size=d, p=[0.55, 0.35, 0.10])
    device_id = block[0] * 3 + np.arange(d)  # stable, unique across blocks (≤ 3 devices each)
    # a device browses anonymously until its first login; some never log in
    login_share = np.where(rng.random(d) < 0.1, 2.0, rng.random(d) ** 2)
    signup, churn = people["signup"][device_owner], people["churn"][device_owner]
    login_at = signup + (churn - signup) * np.minimum(login_share, 1.0) + np.where(login_share > 1, 10**10, 0)
    sessions_per_device = rng.poisson(
        config.events_per_customer / 4.0 * people["activity"][device_owner] / devices_per_customer.repeat(
            devices_per_customer))
    session_device = np.repeat(np.arange(d), sessions_per_device)
    s = len(session_device)
    start = calendar.draw(signup[session_device] - 30 * SECONDS_PER_DAY, churn[session_device], rng.random(s), rng)
    # funnel: page views → product views → cart → checkout → purchase
    pages = 1 + rng.geometric(0.45, s) - 1
    product_views = rng.binomial(3, 0.45, s)
    cart = (product_views > 0) & (rng.random(s) < 0.35)
    checkout = cart & (rng.random(s) < 0.55)
    purchase = checkout & (rng.random(s) < 0.8)
    counts = np.stack([pages, product_views, cart, checkout, purchase], axis=1).astype("int64")
    per_session = counts.sum(axis=1)
    event_session = np.repeat(np.arange(s), per_session)
    e = len(event_session)
    event_type = np.repeat(np.tile(np.arange(5), s), counts.ravel())
    gaps = rng.exponential(45.0, e).astype("int64") + 1
    cumulative = np.cumsum(gaps)
    session_first = np.concatenate([[0], np.cumsum(per_session)[:-1]])
    base = np.repeat(cumulative[session_first] - gaps[session_first], per_session)
    occurred = start[event_session] + cumulative - base
    device = session_device[event_session]
    owner = device_owner[device]
    logged_in = occurred >= login_at[device]
    channel = rng.choice(CHANNELS, size=s, p=[0.3, 0.25, 0.15, 0.1, 0.12, 0.08])
    campaign_id = rng.integers(1, 40, s)
    has_campaign = np.isin(channel, ["paid_search", "social", "email"])
    offset = people["offset"][owner]
    path = np.char.add(PAGE_PATHS[event_type], np.where(event_type == 1, (rng.zipf(1.3, e) % 500).astype(str), ""))
    table = pa.table({
        "event_id": _ids("E", first_event + np.arange(e)),
        "anonymous_id": _ids("A", device_id[device]),
        "customer_id": _ids_or_null("C", people["number"][owner], ~logged_in),
        "session_id": _ids("S", first_session + event_session),
        "event_type": pa.array(EVENT_TYPES[event_type]),
        "page_path": pa.array(path),
        "device": pa.array(device_kind[device]),
        "channel": pa.array(channel[event_session]),
        "campaign": pa.array(np.char.add("cmp_", campaign_id[event_session].astype(str)),
                             mask=~has_campaign[event_session]),
        "occurred_at": _seconds_to_timestamp(occurred + offset.astype("int64") * 60),
        "utc_offset_minutes": pa.array(offset.astype("int32")),
        "_loaded_at": _seconds_to_timestamp(occurred + rng.integers(5, 3600, e)),
    })
    return table, first_session + s, first_event + e


def _email_block(people: dict[str, np.ndarray], block: np.ndarray, rng: np.random.Generator,
                 first_id: int) -> tuple[pa.Table, int]:
    """Fortnightly campaign sends over the last half year, with opens, clicks and unsubscribes."""
    end = int(people["end"])
    campaigns = np.arange(13)
    send_at = end - (13 - campaigns) * 14 * SECONDS_PER_DAY + 9 * 3600
    receives = rng.random(len(block)) < 0.7
    customers = block[receives]
    engaged = rng.beta(1.2, 3.0, len(customers))
    owner = np.repeat(customers, len(campaigns))
    campaign = np.tile(campaigns, len(customers))
    sent = send_at[campaign]
    alive = (sent >= people["signup"][owner]) & (sent <= people["churn"][owner] + 60 * SECONDS_PER_DAY)
    owner, campaign, sent = owner[alive], campaign[alive], sent[alive]
    p_open = np.repeat(engaged, len(campaigns))[alive]
    opened = rng.random(len(owner)) < p_open
    clicked = opened & (rng.random(len(owner)) < 0.3)
    unsubscribed = rng.random(len(owner)) < 0.004
    kinds = [("send", np.ones(len(owner), bool), 0), ("open", opened, 3600), ("click", clicked, 4000),
             ("unsubscribe", unsubscribed, 5000)]
    rows_owner = np.concatenate([owner[mask] for _, mask, _ in kinds])
    rows_campaign = np.concatenate([campaign[mask] for _, mask, _ in kinds])
    rows_type = np.concatenate([np.full(mask.sum(), name) for name, mask, _ in kinds])
    rows_at = np.concatenate([sent[mask] + delay + rng.integers(0, 3 * SECONDS_PER_DAY if delay else 60,
                                                                   mask.sum()) for _, mask, delay in kinds])
    count = len(rows_owner)
    table = pa.table({
        "email_event_id": _ids("M", first_id + np.arange(count)),
        "customer_id": _ids("C", people["number"][rows_owner]),
        "campaign_id": _ids("cmp_email_", rows_campaign),
        "event_type": pa.array(rows_type),
        "occurred_at": _iso_with_offset(rows_at, np.zeros(count, dtype="int64")),
        "_loaded_at": _seconds_to_timestamp(rows_at + rng.integers(60, 7200, count)),
    })
    return table, first_id + count


def _consent(people: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Table:
    """A grant per purpose at sign-up for most customers; some grants are revoked later."""
    n = len(people["number"])
    grants = rng.random((n, len(CONSENT_PURPOSES))) < CONSENT_GRANT_RATES
    owner, purpose = np.nonzero(grants)
    granted_at = people["signup"][owner] + rng.integers(0, 600, len(owner))
    revoke = rng.random(len(owner)) < 0.15
    revoked_at = granted_at + (people["end"] - granted_at) * rng.random(len(owner))
    owner_all = np.concatenate([owner, owner[revoke]])
    purpose_all = np.concatenate([purpose, purpose[revoke]])
    status = np.concatenate([np.full(len(owner), "granted"), np.full(revoke.sum(), "revoked")])
    at = np.concatenate([granted_at, revoked_at[revoke].astype("int64")])
    count = len(owner_all)
    return pa.table({
        "consent_event_id": _ids("K", np.arange(count)),
        "customer_id": _ids("C", people["number"][owner_all]),
        "purpose": pa.array(CONSENT_PURPOSES[purpose_all]),
        "status": pa.array(status),
        "occurred_at": _iso_with_offset(at, people["offset"][owner_all]),
        "_loaded_at": _seconds_to_timestamp(at + rng.integers(60, 7200, count)),
    })


def _deletions(people: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Table:
    """Erasure requests from 0.5% of customers; a third name only their email."""
    n = len(people["number"])
    who = _pick(rng, n, 0.005)
    by_email = rng.random(len(who)) < 0.33
    at = people["end"] - rng.integers(1, 60, len(who)) * SECONDS_PER_DAY
    return pa.table({
        "request_id": _ids("D", np.arange(len(who))),
        "customer_id": _ids_or_null("C", people["number"][who], by_email),
        "email": pa.array(people["email"][who], pa.string(), mask=~by_email),
        "requested_at": _iso_with_offset(at, people["offset"][who]),
        "_loaded_at": _seconds_to_timestamp(at + 3600),
    })


# --------------------------------------------------------------------------- dirt


def _case_space_variant(emails: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Same address, different case and surrounding whitespace."""
    upper = np.char.upper(emails)
    title = np.char.title(emails)
    variant = np.where(rng.random(len(emails)) < 0.5, upper, title)
    return np.char.add(np.char.add(np.where(rng.random(len(emails)) < 0.5, "  ", ""), variant), " ")


def _inject_customer_dirt(table: pa.Table, people: dict[str, np.ndarray], rates: DirtRates,
                          rng: np.random.Generator, end: int) -> tuple[pa.Table, dict[str, int], pa.Table]:
    """Dirt in CRM records. Returns the table, counts, and the extra person records
    (multi_identifier_persons) whose orders the caller adds."""
    n = table.num_rows
    counts: dict[str, int] = {}
    invalid = _pick(rng, n, rates.invalid_emails)
    bad_forms = np.array(["{}@", "{}.example.com", "{} x@example.com", "{}@@example.com"])
    local = np.char.add("user", invalid.astype(str))
    bad = np.array([form.format(value) for form, value in zip(rng.choice(bad_forms, len(invalid)), local)])
    table = _replace_rows(table, "email", invalid, bad)
    counts["invalid_emails"] = len(invalid)

    ages = _pick(rng, n, rates.impossible_ages)
    births = np.where(rng.random(len(ages)) < 0.5, np.datetime64("1890-05-01"), np.datetime64("2031-01-01"))
    births = births.astype("datetime64[D]")
    birth_column = table.column("birth_date").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    birth_column[ages] = births
    table = _set(table, "birth_date", pa.array(birth_column, pa.date32()))
    counts["impossible_ages"] = len(ages)

    unknown = _pick(rng, n, rates.unknown_enums)
    table = _replace_rows(table, "gender", unknown, "unspecified?")
    counts["unknown_enums"] = len(unknown)

    # one person under a second CRM id, sharing the email (any case) or the phone
    persons = _pick(rng, n, rates.multi_identifier_persons)
    extra = table.take(pa.array(persons))
    share_email = rng.random(len(persons)) < 0.6
    extra = _set(extra, "customer_id", _ids("C", 10_000_000_000 + persons))
    emails = people["email"][persons]
    extra = _set(extra, "email", np.where(share_email, _case_space_variant(emails, rng), None))
    extra = _set(extra, "phone", np.where(share_email, None, people["phone"][persons]))
    counts["multi_identifier_persons"] = len(persons)

    near = _pick(rng, n, rates.near_duplicate_emails)
    versions = table.take(pa.array(near))
    versions = _set(versions, "email", _case_space_variant(people["email"][near], rng))
    newer = np.minimum(people["signup"][near] + 300 * SECONDS_PER_DAY, end - 60)
    versions = _set(versions, "updated_at", _seconds_to_timestamp(newer))
    versions = _set(versions, "_loaded_at", _seconds_to_timestamp(newer + 600))
    counts["near_duplicate_emails"] = len(near)

    table = pa.concat_tables([table, extra, versions])
    nulls = _pick(rng, table.num_rows, rates.null_keys)
    table = _replace_rows(table, "customer_id", nulls, None)
    counts["null_keys"] = len(nulls)
    table, counts["exact_duplicates"] = _duplicate(table, rates.exact_duplicates, rng)
    counts["late_arriving"] = 0
    return table, counts, extra


def _duplicate(table: pa.Table, rate: float, rng: np.random.Generator) -> tuple[pa.Table, int]:
    """Append exact copies of a random share of rows."""
    rows = _pick(rng, table.num_rows, rate)
    return pa.concat_tables([table, table.take(pa.array(rows))]), len(rows)


def _late(table: pa.Table, column: str, rate: float, rng: np.random.Generator) -> tuple[pa.Table, int]:
    """Shift the load time of a share of rows 3-30 days after the business time."""
    rows = _pick(rng, table.num_rows, rate)
    loaded = table.column(column).to_numpy(zero_copy_only=False).astype("datetime64[us]").copy()
    loaded[rows] = loaded[rows] + rng.integers(3, 31, len(rows)).astype("timedelta64[D]")
    return _set(table, column, loaded), len(rows)


def _future(table: pa.Table, column: str, rate: float, rng: np.random.Generator,
            iso: bool) -> tuple[pa.Table, int]:
    """Business time in 2031, after the row was loaded."""
    rows = _pick(rng, table.num_rows, rate)
    if iso:
        return _replace_rows(table, column, rows, "2031-06-01 12:00:00+00:00"), len(rows)
    values = table.column(column).to_numpy(zero_copy_only=False).astype("datetime64[us]").copy()
    values[rows] = np.datetime64("2031-06-01T12:00:00", "us")
    return _set(table, column, values), len(rows)


def _inject_order_dirt(table: pa.Table, rates: DirtRates, rng: np.random.Generator) -> tuple[pa.Table, dict[str, int]]:
    n = table.num_rows
    counts: dict[str, int] = {}
    non_positive = _pick(rng, n, rates.non_positive_amounts)
    amounts = np.where(rng.random(len(non_positive)) < 0.5, 0.0, -np.round(rng.uniform(1, 100, len(non_positive)), 2))
    table = _replace_rows(table, "amount", non_positive, amounts)
    table = _replace_rows(table, "status", non_positive, "completed")
    counts["non_positive_amounts"] = len(non_positive)
    unknown = _pick(rng, n, rates.unknown_enums)
    half = len(unknown) // 2
    table = _replace_rows(table, "status", unknown[:half], "shipped?")
    table = _replace_rows(table, "currency", unknown[half:], "XYZ")
    counts["unknown_enums"] = len(unknown)
    table, counts["future_timestamps"] = _future(table, "ordered_at", rates.future_timestamps, rng, iso=True)
    table, counts["late_arriving"] = _late(table, "_loaded_at", rates.late_arriving, rng)
    nulls = _pick(rng, n, rates.null_keys)
    table = _replace_rows(table, "order_id", nulls, None)
    counts["null_keys"] = len(nulls)
    table, counts["exact_duplicates"] = _duplicate(table, rates.exact_duplicates, rng)
    return table, counts


def _inject_event_dirt(table: pa.Table, rates: DirtRates, rng: np.random.Generator) -> tuple[pa.Table, dict[str, int]]:
    n = table.num_rows
    counts: dict[str, int] = {}
    unknown = _pick(rng, n, rates.unknown_enums)
    table = _replace_rows(table, "event_type", unknown, "scroll_depth")
    counts["unknown_enums"] = len(unknown)
    table, counts["future_timestamps"] = _future(table, "occurred_at", rates.future_timestamps, rng, iso=False)
    table, counts["late_arriving"] = _late(table, "_loaded_at", rates.late_arriving, rng)
    nulls = _pick(rng, n, rates.null_keys)
    table = _replace_rows(table, "event_id", nulls, None)
    counts["null_keys"] = len(nulls)
    table, counts["exact_duplicates"] = _duplicate(table, rates.exact_duplicates, rng)
    return table, counts


# --------------------------------------------------------------------------- assembly


def generate(config: GeneratorConfig) -> tuple[dict[str, pa.Table], dict]:
    """All seven raw tables and the manifest. Deterministic for ``config``."""
    streams = np.random.SeedSequence(config.seed).spawn(8)
    rng = {name: np.random.Generator(np.random.PCG64(seq)) for name, seq in zip(
        ["people", "orders", "lines", "events", "email", "consent", "deletions", "dirt"], streams)}
    end = _epoch(config.end_date) + SECONDS_PER_DAY - 1
    calendar = _Calendar(end - (HISTORY_DAYS + 60) * SECONDS_PER_DAY, HISTORY_DAYS + 61)
    people = _customers(config, rng["people"], calendar)
    customers = _customer_table(people, rng["people"])
    orders, facts = _orders(config, people, rng["orders"], calendar)
    order_lines = _order_lines(orders, facts, rng["lines"])
    events, email_events = [], []
    next_session = next_event = next_email = 0
    for block_start in range(0, config.customers, BLOCK_CUSTOMERS):
        block = np.arange(block_start, min(block_start + BLOCK_CUSTOMERS, config.customers))
        block_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([config.seed, block_start])))
        table, next_session, next_event = _event_block(config, people, block, block_rng, calendar, next_session,
                                                       next_event)
        events.append(table)
        table, next_email = _email_block(people, block, block_rng, next_email)
        email_events.append(table)
    tables = {
        "customers": customers,
        "orders": orders,
        "order_lines": order_lines,
        "events": pa.concat_tables(events),
        "email_events": pa.concat_tables(email_events),
        "consent_events": _consent(people, rng["consent"]),
        "deletion_requests": _deletions(people, rng["deletions"]),
    }
    dirt = rng["dirt"]
    injected: dict[str, dict[str, int]] = {}
    tables["customers"], injected["customers"], extra = _inject_customer_dirt(
        tables["customers"], people, config.dirt, dirt, end)
    tables["orders"] = pa.concat_tables([tables["orders"], _orders_of_extra_ids(extra, tables["orders"], dirt)])
    tables["orders"], injected["orders"] = _inject_order_dirt(tables["orders"], config.dirt, dirt)
    tables["events"], injected["events"] = _inject_event_dirt(tables["events"], config.dirt, dirt)
    manifest = {
        "seed": config.seed,
        "end_date": config.end_date,
        "customers": config.customers,
        "orders_per_customer": config.orders_per_customer,
        "events_per_customer": config.events_per_customer,
        "dirt_rates": dataclasses.asdict(config.dirt),
        "injected": injected,
        "rows": {name: table.num_rows for name, table in tables.items()},
    }
    return tables, manifest


def _orders_of_extra_ids(extra: pa.Table, orders: pa.Table, rng: np.random.Generator) -> pa.Table:
    """1-2 orders placed under each second identity of a person (so stitching changes RFM)."""
    if extra.num_rows == 0:
        return orders.slice(0, 0)
    per_person = 1 + (rng.random(extra.num_rows) < 0.5)
    owner = np.repeat(np.arange(extra.num_rows), per_person)
    template = orders.take(pa.array(rng.integers(0, orders.num_rows, len(owner))))
    template = _set(template, "order_id", _ids("OX", np.arange(len(owner))))
    template = _set(template, "customer_id", pc.take(extra.column("customer_id"), pa.array(owner)))
    return _set(template, "customer_email", pa.nulls(len(owner), pa.string()))


def write(tables: dict[str, pa.Table], manifest: dict, out_dir: Path) -> None:
    """One Parquet file per table plus _manifest.json (written last: its presence means done)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, out_dir / f"{name}.parquet", row_group_size=1_000_000)
    (out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate deterministic raw sample data (docs/raw_contract.md).")
    parser.add_argument("--customers", type=int, default=GeneratorConfig.customers)
    parser.add_argument("--seed", type=int, default=GeneratorConfig.seed)
    parser.add_argument("--out", type=Path, default=Path("data/raw"))
    parser.add_argument("--end-date", default=GeneratorConfig.end_date)
    parser.add_argument("--orders-per-customer", type=float, default=GeneratorConfig.orders_per_customer)
    parser.add_argument("--events-per-customer", type=float, default=GeneratorConfig.events_per_customer)
    parser.add_argument("--dirt", action="append", default=[], metavar="NAME=RATE",
                        help="override a dirt rate (repeatable); all=0 turns dirt off")
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    try:
        dirt = DirtRates().override(args.dirt)
    except ValueError as error:
        parser.error(str(error))
    config = GeneratorConfig(args.customers, args.seed, args.end_date, args.orders_per_customer,
                             args.events_per_customer, dirt)
    tables, manifest = generate(config)
    write(tables, manifest, args.out)
    print(" ".join(f"{name}={rows:,}" for name, rows in manifest["rows"].items()), f"→ {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
