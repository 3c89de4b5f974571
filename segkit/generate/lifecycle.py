"""Life-cycle behaviours (``GeneratorConfig.lifecycle``): what a landing zone receives
day by day, beyond one snapshot per table.

- Order status changes: a refunded or cancelled order first lands as a ``completed``
  version (updated minutes after the order, loaded soon after) with its order lines;
  its final status lands later as a second row of the same order_id, updated 1-30 days
  after the order. A refund that would be updated after the end of history has not
  happened yet: the order is only its completed version.
- Order corrections (planted on the window's days only): a completed order of a named
  customer lands again a day or more after its only version, naming another
  customer's id, as when a shop fixes a wrong account; its lines do not move.
- CRM records land at sign-up (updated minutes after it), except late CRM records: a
  share of buyers (LATE_CRM_SHARE) whose record lands 1-30 days after their first order
  did, so orders and events name a customer_id the warehouse does not know yet.
- Deletion requests (by customer id, and by the email as typed), marketing-email
  consent revocations (which stop the sends) and email unsubscribes.

Besides the natural rates, every day of the last ``lifecycle_days`` days gets
``daily_floor(customers)`` more of each happening (late CRM records, status changes,
order corrections, deletions by id, deletions by email, unsubscribes, revocations): 1
a day up to 2,500 customers, 0.0004 x customers above, so any 5 delivered days hold
0.002 x customers of each, and a 30-day timeline ~30 of each at 2,000 customers. Dirt can still undo a few
(a request whose customer_id and email the null_keys dirt removed). Candidates are
drawn per day among those eligible then, never one twice, latest day first; with a
few dozen customers they run out and the oldest window days go without.

The plan depends on the config, not on how many days a timeline delivers: a 5-day
timeline is the last 5 days of the world a 30-day one delivers (timeline.py widens
``lifecycle_days`` to the delivered days when they are more). Every draw here has its
own stream (keys 70-77), and nothing here runs with the flag off, so the classic output
is unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import DAY, NEVER, bernoulli_rows, load_time, stream, take, timestamps
from .config import GeneratorConfig
from .email import campaign_sends, receives
from .orders import STATUSES
from .people import People

# 0.002 x customers of each happening in a 5-day delivery window
LIFECYCLE_DAILY_SHARE = 0.0004
LATE_CRM_SHARE = 0.03
LATE_CRM_MAX_DAYS = 30
# A late record lands a day or more after the first order's estimated landing, which
# can be up to 3 h early (the estimate is the order's latest version; its first
# version lands within 3 h of the order): so always on a later UTC date.
LATE_CRM_MIN_GAP = DAY + 4 * 3600
REFUND_MAX_DAYS = 30
DELETION_MIN_HISTORY_DAYS = 60  # planted requesters signed up this long before the window


@dataclass(frozen=True)
class Plan:
    """Happenings planted on people before their rows are drawn (epoch seconds)."""

    unsubscribe_person: np.ndarray
    unsubscribe_campaign: np.ndarray
    unsubscribe_at: np.ndarray
    deletion_person: np.ndarray
    deletion_by_email: np.ndarray
    deletion_at: np.ndarray
    deletion_loaded: np.ndarray


def daily_floor(customers: int) -> int:
    """Happenings of each kind planted per window day: at least one."""
    return max(1, int(np.ceil(LIFECYCLE_DAILY_SHARE * customers)))


def window_starts(config: GeneratorConfig) -> np.ndarray:
    """First second (UTC) of each of the last ``lifecycle_days`` days, oldest first."""
    last_day = config.end // DAY
    return (last_day - np.arange(config.lifecycle_days)[::-1]) * DAY


def pick_per_day(
    rng: np.random.Generator,
    starts: np.ndarray,
    per_day: int,
    eligible: Callable[[int], np.ndarray],
    taken: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``per_day`` candidates for each day in ``starts``, drawn among those
    ``eligible(day_start)`` and never one twice (nor one already ``taken``). Returns the
    candidates and the start of their day. One pass per day, vectorised within; the
    latest day first, so when a small population runs out of candidates it is the
    oldest window days that go without, not the ones every timeline delivers."""
    taken = taken.copy()
    chosen, days = [np.zeros(0, "int64")], [np.zeros(0, "int64")]
    for start in starts[::-1].tolist():
        free = np.flatnonzero(eligible(start) & ~taken)
        pick = np.sort(rng.choice(free, size=min(per_day, len(free)), replace=False))
        taken[pick] = True
        chosen.append(pick.astype("int64"))
        days.append(np.full(len(pick), start, dtype="int64"))
    return np.concatenate(chosen), np.concatenate(days)


def plan_people(config: GeneratorConfig, people: People) -> tuple[People, Plan]:
    """Plant revocations, deletion requests and unsubscribes on the window's days.

    Revocations change the people (``email_consent_until``), so the consent export
    writes them and the email sends stop after them, as for natural revocations."""
    n, end = people.size, config.end
    starts, per_day = window_starts(config), daily_floor(n)
    nobody = np.zeros(n, bool)

    rng = stream(config.seed, 70)
    granted, until = people.email_consent_from, people.email_consent_until
    revokers, days = pick_per_day(
        rng, starts, per_day, lambda s: (granted <= s - DAY) & (until == NEVER), nobody
    )
    until = until.copy()
    until[revokers] = days + rng.integers(0, DAY // 2, len(revokers))
    people = dataclasses.replace(people, email_consent_until=until)

    # requesters have months of history before the window, in earlier deliveries
    settled = people.signup <= starts[0] - DELETION_MIN_HISTORY_DAYS * DAY
    by_id, id_days = pick_per_day(
        stream(config.seed, 71), starts, per_day, lambda s: settled, nobody
    )
    taken = nobody.copy()
    taken[by_id] = True
    by_email, email_days = pick_per_day(
        stream(config.seed, 72), starts, per_day, lambda s: settled, taken
    )
    rng = stream(config.seed, 73)
    deletion_days = np.concatenate([id_days, email_days])
    deletion_at = deletion_days + rng.integers(0, DAY // 2, len(deletion_days))

    # an unsubscribe answers the last campaign sent before that day
    sends = campaign_sends(end)
    everyone = np.arange(n)

    def got_last_campaign(start: int) -> np.ndarray:
        campaign = int(np.searchsorted(sends + 1800, start, side="right")) - 1
        if campaign < 0:
            return nobody
        return receives(people, everyone, np.full(n, sends[campaign])) & (until > start + DAY)

    rng = stream(config.seed, 74)
    unsubscribers, unsubscribe_days = pick_per_day(rng, starts, per_day, got_last_campaign, nobody)
    campaign = np.searchsorted(sends + 1800, unsubscribe_days, side="right") - 1
    plan = Plan(
        unsubscribe_person=unsubscribers,
        unsubscribe_campaign=campaign,
        unsubscribe_at=unsubscribe_days + rng.integers(0, DAY // 2, len(unsubscribers)),
        deletion_person=np.concatenate([by_id, by_email]),
        deletion_by_email=np.concatenate(
            [np.zeros(len(by_id), bool), np.ones(len(by_email), bool)]
        ),
        deletion_at=deletion_at,
        deletion_loaded=deletion_at + rng.integers(600, DAY // 4, len(deletion_at)),
    )
    return people, plan


def crm_arrivals(
    config: GeneratorConfig,
    people: People,
    columns: dict[str, pa.Array],
    orders: dict[str, np.ndarray],
    plan: Plan,
) -> dict[str, pa.Array]:
    """When each CRM record lands: at sign-up, or late for the late CRM records.

    ``orders`` are the people's orders (owner, guest, loaded). A guest order names
    no customer_id, so only the others count as a first order landing."""
    rng = stream(config.seed, 75)
    n, end = people.size, config.end
    updated = people.signup + rng.integers(60, 3600, n)
    loaded = load_time(updated, rng, end)
    named = ~orders["guest"]
    first = np.full(n, NEVER)
    np.minimum.at(first, orders["owner"][named], orders["loaded"][named])
    requesters = np.zeros(n, bool)
    requesters[plan.deletion_person] = True

    late = bernoulli_rows(
        rng, n, LATE_CRM_SHARE, eligible=(first <= end - LATE_CRM_MIN_GAP) & ~requesters
    )
    room = np.minimum(LATE_CRM_MAX_DAYS * DAY, end - first[late]) - LATE_CRM_MIN_GAP
    loaded[late] = first[late] + LATE_CRM_MIN_GAP + (room * rng.random(len(late))).astype("int64")

    taken = requesters.copy()
    taken[late] = True
    floor, days = pick_per_day(
        rng,
        window_starts(config),
        daily_floor(n),
        lambda s: (first <= s - DAY) & (first >= s - (LATE_CRM_MAX_DAYS - 1) * DAY),
        taken,
    )
    loaded[floor] = days + rng.integers(0, DAY, len(floor))
    return {**columns, "updated_at": timestamps(updated), "_loaded_at": timestamps(loaded)}


def order_versions(
    config: GeneratorConfig,
    columns: dict[str, pa.Array],
    facts: dict[str, np.ndarray],
    main_orders: int,
) -> tuple[dict[str, pa.Array], dict[str, np.ndarray], np.ndarray]:
    """Refunded and cancelled orders as two versions: ``completed``, then final.

    ``columns`` and ``facts`` (status index into STATUSES, ordered, updated, loaded)
    hold one row per order; the first ``main_orders`` are the people's own (second
    identities' orders follow), and the floor of status changes is planted on those.
    The floor of order corrections too: a completed order of a named customer, whose
    only version landed a day or more before, lands again naming another customer.
    Returns the rows (each order's first or only version in place, then the first
    versions of the orders whose final version arrived, then the corrections), their
    updated/loaded seconds, and when each order's lines land: with its first
    version."""
    rng = stream(config.seed, 76)
    end = config.end
    status, ordered = facts["status"].copy(), facts["ordered"]
    updated, loaded = facts["updated"].copy(), facts["loaded"].copy()
    m = len(status)

    completed = np.zeros(m, bool)
    completed[:main_orders] = status[:main_orders] % 3 == 0
    turned, days = pick_per_day(
        rng,
        window_starts(config),
        daily_floor(config.customers),
        lambda s: (ordered <= s - DAY) & (ordered >= s - (REFUND_MAX_DAYS - 1) * DAY),
        ~completed,
    )
    status[turned] += rng.integers(1, 3, len(turned))  # refunded or cancelled, same casing
    updated[turned] = days + rng.integers(0, DAY // 2, len(turned))
    loaded[turned] = updated[turned] + rng.integers(300, 7200, len(turned))

    changed = status % 3 != 0
    arrived = changed & (updated < end) & (loaded > updated)
    first_status = status - status % 3  # 'completed' in the order's casing
    first_updated = np.minimum(ordered + rng.integers(60, 3600, m), end)
    first_loaded = load_time(first_updated, rng, end)

    only_first = changed & ~arrived
    again = np.flatnonzero(arrived)
    row_status = np.concatenate([np.where(only_first, first_status, status), first_status[again]])
    row_updated = np.concatenate(
        [np.where(only_first, first_updated, updated), first_updated[again]]
    )
    row_loaded = np.concatenate([np.where(only_first, first_loaded, loaded), first_loaded[again]])
    index = pa.array(again)
    rows = {
        name: pa.concat_arrays([column, column.take(index)]) for name, column in columns.items()
    }
    rows["status"] = take(STATUSES, row_status)
    rows["updated_at"] = timestamps(row_updated)
    rows["_loaded_at"] = timestamps(row_loaded)
    line_loaded = np.where(changed, first_loaded, loaded)

    # order corrections: a completed order of a named customer lands again, a day or
    # more after its only version, naming another customer (the shop fixed the id)
    rng = stream(config.seed, 77)
    named = np.zeros(m, bool)
    named[:main_orders] = np.asarray(pc.is_valid(columns["customer_id"].slice(0, main_orders)))
    steady = named & ~changed
    if not steady.any():
        return rows, {"updated": row_updated, "loaded": row_loaded}, line_loaded
    corrected, days = pick_per_day(
        rng, window_starts(config), daily_floor(config.customers),
        lambda s: steady & (loaded <= s - DAY), np.zeros(m, bool),
    )
    fixed_updated = days + rng.integers(0, DAY // 2, len(corrected))
    fixed_loaded = fixed_updated + rng.integers(300, 7200, len(corrected))
    landed = fixed_loaded < end
    corrected, days = corrected[landed], days[landed]
    fixed_updated, fixed_loaded = fixed_updated[landed], fixed_loaded[landed]
    # another named customer, never the order's own (the ids are distinct and sorted,
    # so the next one differs)
    owner_id = columns["customer_id"]
    named_ids = pc.unique(owner_id.slice(0, main_orders).drop_null())
    customers = np.sort(np.asarray(named_ids, dtype=object))
    own = np.asarray(owner_id.take(pa.array(corrected)), dtype=object)
    drawn = rng.integers(0, len(customers), len(corrected))
    drawn = np.where(customers[drawn] == own, (drawn + 1) % len(customers), drawn)
    fixes = {name: column.take(pa.array(corrected)) for name, column in columns.items()}
    fixes["customer_id"] = pa.array(customers[drawn], type=pa.string())
    rows = {name: pa.concat_arrays([rows[name], fixes[name]]) for name in rows}
    rows["updated_at"] = timestamps(np.concatenate([row_updated, fixed_updated]))
    rows["_loaded_at"] = timestamps(np.concatenate([row_loaded, fixed_loaded]))
    rows["status"] = take(STATUSES, np.concatenate([row_status, status[corrected]]))
    versions = {
        "updated": np.concatenate([row_updated, fixed_updated]),
        "loaded": np.concatenate([row_loaded, fixed_loaded]),
    }
    return rows, versions, line_loaded
