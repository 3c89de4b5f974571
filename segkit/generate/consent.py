"""Consent events (consent_events): a grant per purpose at sign-up, some revoked later;
sale_or_sharing grants with some "Do Not Sell or Share" opt-outs (revocations)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .common import (
    CONSENT_GRANT_RATES,
    CONSENT_PURPOSES,
    CONSENT_REVOKE_RATE,
    NEVER,
    SALE_OR_SHARING_GRANT_RATE,
    SALE_OR_SHARING_OPT_OUT_RATE,
    UTC_Z_SHARE,
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

CONSENT_STATUSES = pa.array(["granted", "revoked"])
SALE_OR_SHARING = pa.array(["sale_or_sharing"])


def sale_or_sharing_events(
    config: GeneratorConfig, people: People
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, at, is_revocation) of the sale_or_sharing events: a grant at sign-up for
    SALE_OR_SHARING_GRANT_RATE of the people, and for SALE_OR_SHARING_OPT_OUT_RATE of
    those a "Do Not Sell or Share" opt-out (the grant's revocation) before the end of
    history. A stream of its own (41), so the other purposes' rows do not move."""
    rng = stream(config.seed, 41)
    owner = np.flatnonzero(rng.random(people.size) < SALE_OR_SHARING_GRANT_RATE)
    at = people.signup[owner] + rng.integers(0, 600, len(owner))
    opted_out = rng.random(len(owner)) < SALE_OR_SHARING_OPT_OUT_RATE
    opt_out_at = at + ((config.end - at) * rng.random(len(owner))).astype("int64")
    person = np.concatenate([owner, owner[opted_out]])
    when = np.concatenate([at, opt_out_at[opted_out]])
    revocation = np.concatenate([np.zeros(len(owner), bool), np.ones(opted_out.sum(), bool)])
    return person, when, revocation


def consent_table(config: GeneratorConfig, people: People) -> pa.Table:
    """A grant per purpose at sign-up (marketing_email as drawn for the people, the
    others here); some grants are revoked later. A marketing_email revocation is the
    people's ``email_consent_until``, so sends stop when it comes (and the life-cycle
    plan's revocations need no code here)."""
    rng = stream(config.seed, 40)
    n = people.size
    granted = rng.random((n, len(CONSENT_PURPOSES))) < CONSENT_GRANT_RATES
    granted[:, 0] = people.email_consent_from < NEVER
    owner, purpose = np.nonzero(granted)
    at = people.signup[owner] + rng.integers(0, 600, len(owner))
    revoked = rng.random(len(owner)) < CONSENT_REVOKE_RATE
    revoked_at = at + ((config.end - at) * rng.random(len(owner))).astype("int64")
    email = purpose == 0
    at[email] = people.email_consent_from[owner[email]]
    revoked[email] = people.email_consent_until[owner[email]] < NEVER
    revoked_at[email] = np.where(revoked[email], people.email_consent_until[owner[email]], 0)
    all_owner = np.concatenate([owner, owner[revoked]])
    all_at = np.concatenate([at, revoked_at[revoked]])
    status = np.concatenate([np.zeros(len(owner), "int8"), np.ones(revoked.sum(), "int8")])
    count = len(all_owner)
    table = as_table(
        "consent_events",
        {
            "consent_event_id": ids("K", np.arange(count)),
            "customer_id": take(people.customer_id, all_owner),
            "purpose": take(CONSENT_PURPOSES, np.concatenate([purpose, purpose[revoked]])),
            "status": take(CONSENT_STATUSES, status),
            "occurred_at": iso(all_at, people.offset[all_owner], rng.random(count) < UTC_Z_SHARE),
            "_loaded_at": timestamps(load_time(all_at, rng, config.end)),
        },
    )
    sale_owner, sale_at, sale_revoked = sale_or_sharing_events(config, people)
    sale_rng = stream(config.seed, 42)
    sale_count = len(sale_owner)
    sale = as_table(
        "consent_events",
        {
            "consent_event_id": ids("K", count + np.arange(sale_count)),
            "customer_id": take(people.customer_id, sale_owner),
            "purpose": take(SALE_OR_SHARING, np.zeros(sale_count, "int64")),
            "status": take(CONSENT_STATUSES, sale_revoked.astype("int8")),
            "occurred_at": iso(
                sale_at, people.offset[sale_owner], sale_rng.random(sale_count) < UTC_Z_SHARE
            ),
            "_loaded_at": timestamps(load_time(sale_at, sale_rng, config.end)),
        },
    )
    return pa.concat_tables([table, sale])
