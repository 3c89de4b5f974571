"""Web/app events (events): devices that browse anonymously until their first login,
sessions drawn from the seasonal calendar, a page → product → cart → checkout →
purchase funnel with drop-off. Generated per block of customers, so memory stays
bounded at a million customers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import (
    BLOCK_CUSTOMERS,
    DAY,
    EVENT_ID_STRIDE,
    NEVER,
    PRE_SIGNUP_BROWSING_DAYS,
    Calendar,
    categorical,
    ids,
    load_time,
    stream,
    take,
    timestamps,
)
from .config import GeneratorConfig
from .dirt import apply_dirt, duplicate_rows, late_loads
from .people import People
from .schemas import as_table

DEVICES = pa.array(["mobile", "desktop", "tablet"])
DEVICE_WEIGHTS = np.array([0.55, 0.35, 0.10])
CHANNELS = pa.array(["direct", "organic", "paid_search", "social", "email", "referral"])
CHANNEL_WEIGHTS = np.array([0.30, 0.25, 0.15, 0.10, 0.12, 0.08])
CAMPAIGN_CHANNELS = np.array([False, False, True, True, True, False])
EVENT_TYPES = pa.array(["page_view", "product_view", "add_to_cart", "checkout", "purchase"])
PAGE_PATHS = pa.array(["/", "/products/", "/cart", "/checkout", "/order/confirmation"])
# Funnel: page views (geometric), product views (binomial), then cart → checkout → purchase.
PAGE_VIEW_P, PRODUCT_VIEWS_N, PRODUCT_VIEW_P = 0.45, 3, 0.45
CART_P, CHECKOUT_P, PURCHASE_P = 0.35, 0.55, 0.8


def events_per_session() -> float:
    """Expected events in one session of the funnel (to hit events_per_customer)."""
    product = PRODUCT_VIEWS_N * PRODUCT_VIEW_P
    cart = (1 - (1 - PRODUCT_VIEW_P) ** PRODUCT_VIEWS_N) * CART_P
    return 1 / PAGE_VIEW_P + product + cart * (1 + CHECKOUT_P + CHECKOUT_P * PURCHASE_P)


def event_block(
    config: GeneratorConfig, people: People, calendar: Calendar, block: int, mean_span: float
) -> tuple[pa.Table, dict[str, int]]:
    """Sessions and their events for one block of customers, with their dirt.

    Each customer has 1-3 devices (an anonymous_id each). A device browses anonymously
    until its first login (some never log in), so customer_id is set only on later events;
    with ``config.lifecycle`` no login precedes the sign-up.
    """
    rng = stream(config.seed, 20, block)
    lo_c = block * BLOCK_CUSTOMERS
    customers = np.arange(lo_c, min(lo_c + BLOCK_CUSTOMERS, people.size))
    n_dev = 1 + categorical(rng, len(customers), np.array([0.6, 0.3, 0.1]))
    dev_owner = np.repeat(customers, n_dev)
    dev_number = dev_owner * 3 + (
        np.arange(len(dev_owner)) - np.repeat(np.cumsum(n_dev) - n_dev, n_dev)
    )
    d = len(dev_owner)
    dev_kind = categorical(rng, d, DEVICE_WEIGHTS)
    lo = people.signup[dev_owner] - PRE_SIGNUP_BROWSING_DAYS * DAY
    hi = people.churn[dev_owner]
    login_share = rng.random(d) ** 2
    login_at = np.where(rng.random(d) < 0.1, NEVER, lo + ((hi - lo) * login_share).astype("int64"))
    if config.lifecycle:
        # a login needs an account: otherwise events would name a customer_id weeks
        # before the CRM record exists, burying the planted late CRM records
        login_at = np.maximum(login_at, people.signup[dev_owner])
    span = (hi - lo) / DAY + 1
    sessions = rng.poisson(
        config.events_per_customer
        / events_per_session()
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
    channel = categorical(rng, s, CHANNEL_WEIGHTS)
    has_campaign = CAMPAIGN_CHANNELS[channel]
    product = (rng.zipf(1.4, e) - 1) % 2000
    base = block * EVENT_ID_STRIDE
    columns = {
        "event_id": ids("E", base + np.arange(e)),
        "anonymous_id": ids("A", dev_number[dev]),
        "customer_id": pc.if_else(
            pa.array(utc >= login_at[dev]),
            take(people.customer_id, owner),
            pa.scalar(None, pa.string()),
        ),
        "session_id": ids("S", base + e_session),
        "event_type": take(EVENT_TYPES, e_type),
        "page_path": pc.if_else(
            pa.array(e_type == 1),
            pc.binary_join_element_wise("/products/P", pc.cast(pa.array(product), pa.string()), ""),
            take(PAGE_PATHS, e_type),
        ),
        "device": take(DEVICES, dev_kind[dev]),
        "channel": take(CHANNELS, channel[e_session]),
        "campaign": pc.if_else(
            pa.array(has_campaign[e_session]),
            pc.binary_join_element_wise(
                "cmp_", pc.cast(pa.array(rng.integers(1, 40, s)[e_session]), pa.string()), ""
            ),
            pa.scalar(None, pa.string()),
        ),
        "occurred_at": timestamps(utc + offset * 60),
        "utc_offset_minutes": pa.array(offset.astype("int32")),
    }
    return _event_dirt(config, columns, utc, load_time(utc, rng, config.end, 5, 3600), block)


def _event_dirt(
    config: GeneratorConfig,
    columns: dict[str, pa.Array],
    utc: np.ndarray,
    loaded: np.ndarray,
    block: int,
) -> tuple[pa.Table, dict[str, int]]:
    """Dirty one block of events (late loads, then DIRT_TARGETS, then copies)."""
    rng, rates = stream(config.seed, 21, block), config.dirt
    counts: dict[str, int] = {}
    loaded, counts["late_arriving"] = late_loads(loaded, utc, rng, rates.late_arriving, config.end)
    columns["_loaded_at"] = timestamps(loaded)
    table, generic = apply_dirt("events", as_table("events", columns), config, block)
    counts.update(generic)
    table, counts["exact_duplicates"] = duplicate_rows(table, rng, rates.exact_duplicates)
    return table, counts
