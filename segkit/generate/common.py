"""Constants, random streams, Arrow helpers and the seasonal calendar shared by every
source of the generator."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400
HISTORY_DAYS = 3 * 365
PRE_SIGNUP_BROWSING_DAYS = 30
BLOCK_CUSTOMERS = 50_000
LATE_MIN_DAYS, LATE_MAX_DAYS = 3, 30
FUTURE_YEAR_START = np.datetime64("2031-01-01T00:00:00", "s").astype("int64")
EVENT_ID_STRIDE = 10**9  # event/session ids of block b are b * stride + local number
NEVER = np.iinfo("int64").max  # a time that never comes (consent never granted/revoked)

OFFSETS = np.array([-480, -300, 0, 60, 120, 330, 540])
OFFSET_SUFFIXES = pa.array(
    ["-08:00", "-05:00", "+00:00", "+01:00", "+02:00", "+05:30", "+09:00", "Z"]
)
UTC_Z_SHARE = 0.2  # share of ISO strings a source wrote in UTC with 'Z'

# Consent is drawn in two places: marketing_email with the people (email sends depend
# on it), the other purposes with the consent export.
CONSENT_PURPOSES = pa.array(["marketing_email", "marketing_sms", "personalisation", "analytics"])
CONSENT_GRANT_RATES = np.array([0.7, 0.3, 0.8, 0.9])
CONSENT_REVOKE_RATE = 0.15
# sale_or_sharing (permission to sell/share personal information with ad platforms):
# granted at sign-up by this share, and a CCPA "Do Not Sell or Share" opt-out (its
# revocation) later by this share of those. Drawn from a stream of their own, so the
# other purposes' events do not move.
SALE_OR_SHARING_GRANT_RATE = 0.6
SALE_OR_SHARING_OPT_OUT_RATE = 0.1
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


def stream(seed: int, *keys: int) -> np.random.Generator:
    """An independent stream per (seed, purpose, block): adding a table or a block never
    shifts the draws of another, so outputs stay comparable across versions."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *keys])))


def block_count(customers: int) -> int:
    """Blocks of BLOCK_CUSTOMERS customers the streamed tables are generated in."""
    return -(-customers // BLOCK_CUSTOMERS)


def ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """'<prefix><number>' ids built in Arrow (no Python string per row)."""
    return pc.binary_join_element_wise(
        prefix, pc.cast(pa.array(numbers, pa.int64()), pa.string()), ""
    )


def take(values: pa.Array, index: np.ndarray) -> pa.Array:
    """values[index] for categorical lookups: an Arrow take instead of numpy strings."""
    return pc.take(values, pa.array(index, pa.int32() if len(values) < 2**31 else pa.int64()))


def categorical(rng: np.random.Generator, size: int, weights: np.ndarray) -> np.ndarray:
    """Indices drawn with the given weights (inverse CDF: fast and vectorised)."""
    cumulative = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), len(weights) - 1)


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds → naive Arrow timestamp[us]; the caller knows the zone."""
    return pa.array(np.asarray(seconds, dtype="int64") * 1_000_000, pa.timestamp("us"))


def epoch_seconds(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A timestamp[us] column as epoch seconds (nulls are not expected here)."""
    return pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000


def iso(utc_seconds: np.ndarray, offset_minutes: np.ndarray, as_utc: np.ndarray) -> pa.Array:
    """ISO-8601 text with a UTC offset: local wall clock + '+05:30', or UTC + 'Z' where
    ``as_utc``. Arrow's timestamp → string cast gives 'YYYY-MM-DD HH:MM:SS' an order of
    magnitude faster than strftime."""
    offset = np.where(as_utc, 0, offset_minutes).astype("int64")
    local = pa.array(np.asarray(utc_seconds, dtype="int64") + offset * 60, pa.timestamp("s"))
    suffix = np.where(as_utc, len(OFFSETS), np.searchsorted(OFFSETS, offset_minutes))
    return pc.binary_join_element_wise(
        pc.cast(local, pa.string()), take(OFFSET_SUFFIXES, suffix), ""
    )


def load_time(
    business: np.ndarray, rng: np.random.Generator, end: int, lo: int = 300, hi: int = 7200
) -> np.ndarray:
    """When a row normally lands: minutes to hours after its business time, but never
    after the end of history (the warehouse's 'now')."""
    return np.minimum(business + rng.integers(lo, hi, len(business)), end)


def bernoulli_rows(
    rng: np.random.Generator, size: int, rate: float, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Sorted indices of rows hit by a Bernoulli(rate) draw, among ``eligible`` rows."""
    if rate <= 0 or size == 0:
        return np.zeros(0, dtype="int64")
    hit = rng.random(size) < rate
    if eligible is not None:
        hit &= eligible
    return np.flatnonzero(hit)


def replace_rows(
    column: pa.Array | pa.ChunkedArray, rows: np.ndarray, values: pa.Array
) -> pa.Array:
    """``column`` with ``rows`` (sorted) replaced by ``values``, all in Arrow."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(column, pa.array(mask), pc.cast(values, column.type))


def with_columns(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    """``table`` with some columns replaced, keeping position and type."""
    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        field = table.schema.field(index)
        table = table.set_column(index, field, pc.cast(values, field.type))
    return table


class Calendar:
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
