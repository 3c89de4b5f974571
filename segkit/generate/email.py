"""Email campaign events (email_events): fortnightly sends to consenting customers with
opens, clicks and unsubscribes, generated per block of customers like the web events."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .common import (
    BLOCK_CUSTOMERS,
    DAY,
    EMAIL_CAMPAIGNS,
    EVENT_ID_STRIDE,
    ids,
    iso,
    load_time,
    stream,
    take,
    timestamps,
)
from .config import GeneratorConfig
from .people import People
from .schemas import as_table

if TYPE_CHECKING:
    from .lifecycle import Plan

EMAIL_EVENT_TYPES = pa.array(["send", "open", "click", "unsubscribe"])
UNSUBSCRIBE = 3  # index into EMAIL_EVENT_TYPES


def campaign_sends(end: int) -> np.ndarray:
    """When each campaign goes out (09:00 UTC, every 14 days, the last two weeks before
    the end of history); each send to a person is up to half an hour later."""
    return end - (EMAIL_CAMPAIGNS - np.arange(EMAIL_CAMPAIGNS)) * 14 * DAY + 9 * 3600


def receives(people: People, owner: np.ndarray, sent: np.ndarray) -> np.ndarray:
    """Whether ``owner`` gets a send at ``sent``: marketing_email consent granted and not
    revoked then, and not churned more than 90 days before."""
    return (
        (sent >= people.email_consent_from[owner])
        & (sent < people.email_consent_until[owner])
        & (sent <= people.churn[owner] + 90 * DAY)
    )


def email_block(
    config: GeneratorConfig, people: People, block: int, plan: Plan | None = None
) -> pa.Table:
    """Fortnightly campaign sends to consenting, not-long-churned customers, with
    opens (~20 %), clicks (~15 % of opens) and a few unsubscribes; plus, with a
    life-cycle ``plan``, the unsubscribes planted for this block's customers."""
    rng = stream(config.seed, 30, block)
    end = config.end
    lo_c = block * BLOCK_CUSTOMERS
    customers = np.arange(lo_c, min(lo_c + BLOCK_CUSTOMERS, people.size))
    send_at = campaign_sends(end)
    owner = np.repeat(customers, EMAIL_CAMPAIGNS)
    campaign = np.tile(np.arange(EMAIL_CAMPAIGNS), len(customers))
    sent = send_at[campaign]
    alive = receives(people, owner, sent)
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
    kinds = (np.ones(k, bool), opened, clicked, unsubscribed)
    delay = np.stack(
        [
            np.zeros(k, "int64"),
            rng.exponential(6 * 3600, k).astype("int64") + 60,
            np.zeros(k, "int64"),
            rng.integers(60, 3 * DAY, k),
        ]
    )
    delay[2] = delay[1] + rng.integers(10, 600, k)
    pick = [np.flatnonzero(mask) for mask in kinds]
    rows_owner = np.concatenate([owner[p] for p in pick])
    rows_campaign = np.concatenate([campaign[p] for p in pick])
    rows_type = np.concatenate([np.full(len(p), i) for i, p in enumerate(pick)])
    rows_at = np.minimum(np.concatenate([sent[p] + delay[i, p] for i, p in enumerate(pick)]), end)
    if plan is not None:
        mine = (plan.unsubscribe_person >= lo_c) & (plan.unsubscribe_person < lo_c + len(customers))
        rows_owner = np.concatenate([rows_owner, plan.unsubscribe_person[mine]])
        rows_campaign = np.concatenate([rows_campaign, plan.unsubscribe_campaign[mine]])
        rows_type = np.concatenate([rows_type, np.full(mine.sum(), UNSUBSCRIBE)])
        rows_at = np.concatenate([rows_at, plan.unsubscribe_at[mine]])
    count = len(rows_owner)
    return as_table(
        "email_events",
        {
            "email_event_id": ids("M", block * EVENT_ID_STRIDE + np.arange(count)),
            "customer_id": take(people.customer_id, rows_owner),
            "campaign_id": ids("cmp_email_", rows_campaign),
            "event_type": take(EMAIL_EVENT_TYPES, rows_type),
            "occurred_at": iso(rows_at, people.offset[rows_owner], rng.random(count) < 0.7),
            "_loaded_at": timestamps(load_time(rows_at, rng, end)),
        },
    )
