"""A planted campaign effect (``GeneratorConfig.planted_effect``): a known true uplift
that segment_experiment_results must recover (docs/campaigns.md, "The planted effect").

The generator cannot know which customers dbt will put in the offer's segment, so the
effect is applied by arm to every customer: each customer whose CRM record exists by
``start_date`` and who is in the TREATMENT arm of ``offer_id`` (the holdout rule of
segment_offers, segkit.experiments.is_holdout, with the same share and salt) places,
with probability ``conversion_share``, one extra completed order of ``order_amount``
(reporting currency) at a uniform time in the window (start_date, start_date +
window_days]. Holdout customers get nothing. Nothing before start_date changes, so a
build at as_of = start_date assigns arms within the segment exactly as without the
effect, and for that cohort the true effect in the segment is:

- conversion: p_t = p_c + conversion_share * (1 - p_c), i.e. an absolute uplift of
  conversion_share * (1 - p_c) (p_c = the segment's conversion without the offer);
- revenue per customer: + conversion_share * order_amount, exactly in expectation.

Later cohorts are not clean tests of the effect (a treatment customer assigned on day
start + 5 may already have bought the extra order before): read out the start_date one.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segkit.experiments import is_holdout

from .common import DAY, ids, stream, take, timestamps
from .config import PlantedEffect
from .people import People
from .schemas import as_table


def effect_orders(effect: PlantedEffect, people: People, seed: int, end: int) -> pa.Table:
    """The extra orders of the treatment arm, as clean rows of the orders table (ids
    'X<n>', UTC, completed, loaded an hour later, never after the end of history)."""
    rng = stream(seed, 90)
    treated = ~is_holdout(
        people.customer_id.to_pylist(), effect.offer_id, effect.holdout_share, effect.holdout_salt
    )
    buys = rng.random(people.size) < effect.conversion_share
    owner = np.flatnonzero(treated & buys & (people.signup < effect.start - DAY))
    ordered = effect.start + rng.integers(0, effect.window_days * DAY, len(owner))
    keep = ordered <= end
    owner, ordered = owner[keep], ordered[keep]
    m = len(owner)
    utc = pa.array(np.full(m, "Z"))
    seconds = pa.array(ordered * 1_000_000, pa.timestamp("us")).cast(pa.timestamp("s"))
    text = seconds.cast(pa.string())
    return as_table(
        "orders",
        {
            "order_id": ids("X", np.arange(m)),
            "customer_id": take(people.customer_id, owner),
            "customer_email": pa.nulls(m, pa.string()),
            "ordered_at": pc.binary_join_element_wise(text, utc, ""),
            "amount": pa.array(np.full(m, effect.order_amount)),
            "currency": pa.array(np.full(m, "USD")),
            "status": pa.array(np.full(m, "completed")),
            "sales_channel": pa.array(np.full(m, "web")),
            "updated_at": timestamps(ordered),
            "_loaded_at": timestamps(np.minimum(ordered + 3600, end)),
        },
    )
