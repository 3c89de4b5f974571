"""Erasure requests (deletion_requests), by customer id or by email as typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import DAY, UTC_Z_SHARE, bernoulli_rows, ids, iso, load_time, stream, take, timestamps
from .config import GeneratorConfig
from .people import People
from .schemas import as_table

if TYPE_CHECKING:
    from .lifecycle import Plan


def deletion_table(config: GeneratorConfig, people: People, plan: Plan | None = None) -> pa.Table:
    """Erasure requests from ~0.5 % of customers in the last half year; a third name only
    their email (as typed, any case). A life-cycle ``plan`` adds its requests, each
    landing on its planted day."""
    rng = stream(config.seed, 50)
    who = bernoulli_rows(rng, people.size, 0.005)
    by_email = rng.random(len(who)) < 0.33
    lo = np.maximum(people.signup[who], config.end - 180 * DAY)
    at = lo + ((config.end - lo) * rng.random(len(who))).astype("int64")
    natural = len(who)
    if plan is not None:
        who = np.concatenate([who, plan.deletion_person])
        by_email = np.concatenate([by_email, plan.deletion_by_email])
        at = np.concatenate([at, plan.deletion_at])
    k = len(who)
    email = take(people.email, who)
    # drawn in this order, for every request, so the classic output stays as it was
    upper = rng.random(k) < 0.3
    as_utc = rng.random(k) < UTC_Z_SHARE
    loaded = load_time(at, rng, config.end, 600, DAY)
    if plan is not None:
        loaded[natural:] = plan.deletion_loaded
    return as_table(
        "deletion_requests",
        {
            "request_id": ids("D", np.arange(k)),
            "customer_id": pc.if_else(
                pa.array(by_email), pa.scalar(None, pa.string()), take(people.customer_id, who)
            ),
            "email": pc.if_else(
                pa.array(by_email),
                pc.if_else(pa.array(upper), pc.utf8_upper(email), email),
                pa.scalar(None, pa.string()),
            ),
            "requested_at": iso(at, people.offset[who], as_utc),
            "_loaded_at": timestamps(loaded),
        },
    )
