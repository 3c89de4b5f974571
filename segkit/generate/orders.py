"""The order export (orders) and its lines (order_lines): heavy-tailed spend, repeat
purchases that thin out, refunds and cancellations, guest checkouts, and their dirt."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import (
    DAY,
    UTC_Z_SHARE,
    Calendar,
    categorical,
    ids,
    iso,
    load_time,
    stream,
    take,
    timestamps,
)
from .config import GeneratorConfig
from .dirt import apply_dirt, duplicate_rows, late_loads
from .people import COUNTRY_CURRENCY, People
from .schemas import as_table

CURRENCIES = pa.array(["USD", "EUR", "GBP", "usd", "eur", "gbp"])
STATUSES = pa.array(["completed", "refunded", "cancelled", "Completed", "REFUNDED", "Cancelled"])
STATUS_WEIGHTS = np.array([0.92, 0.05, 0.03])
SALES_CHANNELS = pa.array(["web", "app", "store"])
SALES_CHANNEL_WEIGHTS = np.array([0.5, 0.35, 0.15])
CATEGORIES = pa.array(
    ["apparel", "shoes", "accessories", "home", "beauty", "electronics", "sports", "toys"]
)


def order_counts(config: GeneratorConfig, people: People, rng: np.random.Generator) -> np.ndarray:
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


def order_facts(
    owner: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    people: People,
    rng: np.random.Generator,
    calendar: Calendar,
    end: int,
) -> dict[str, np.ndarray]:
    """Times, amounts and states of orders of ``owner`` placed within [lo, hi]."""
    m = len(owner)
    ordered = calendar.draw(lo, hi, people.offset[owner], rng.random(m), rng, decay=1.5)
    order = np.lexsort((ordered, owner))  # each customer's orders in time order
    owner, ordered = owner[order], ordered[order]
    status = categorical(rng, m, STATUS_WEIGHTS)
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
        "channel": categorical(rng, m, SALES_CHANNEL_WEIGHTS),
        "loaded": load_time(updated, rng, end),
        "as_utc": rng.random(m) < UTC_Z_SHARE,
    }


def order_columns(
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
        "order_id": ids("O", first_number + np.arange(len(owner))),
        "customer_id": pc.if_else(guest, pa.scalar(None, pa.string()), take(customer_id, owner)),
        "customer_email": pc.if_else(guest, take(email, owner), pa.scalar(None, pa.string())),
        "ordered_at": iso(facts["ordered"], offset[owner], facts["as_utc"]),
        "amount": pa.array(facts["amount"]),
        "currency": take(CURRENCIES, facts["currency"]),
        "status": take(STATUSES, facts["status"]),
        "sales_channel": take(SALES_CHANNELS, facts["channel"]),
        "updated_at": timestamps(facts["updated"]),
        "_loaded_at": timestamps(facts["loaded"]),
    }


def order_line_table(
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
    return as_table(
        "order_lines",
        {
            "order_line_id": ids("L", np.arange(k)),
            "order_id": take(order_id, order_index),
            "product_id": ids("P", product),
            "category": take(CATEGORIES, product % len(CATEGORIES)),
            "quantity": pa.array(quantity.astype("int32")),
            "unit_price": pa.array(np.round(amount[order_index] * share / quantity, 2)),
            "_loaded_at": timestamps(loaded[order_index]),
        },
    )


def order_dirt(
    config: GeneratorConfig,
    columns: dict[str, pa.Array],
    facts: dict[str, np.ndarray],
) -> tuple[pa.Table, dict[str, int]]:
    """Dirty the order export (late loads, then DIRT_TARGETS, then copies)."""
    rng, rates, end = stream(config.seed, 11), config.dirt, config.end
    counts: dict[str, int] = {}
    columns = dict(columns)

    loaded, counts["late_arriving"] = late_loads(
        facts["loaded"], facts["updated"], rng, rates.late_arriving, end
    )
    columns["_loaded_at"] = timestamps(loaded)
    table, generic = apply_dirt("orders", as_table("orders", columns), config)
    counts.update(generic)
    table, counts["exact_duplicates"] = duplicate_rows(table, rng, rates.exact_duplicates)
    return table, counts
