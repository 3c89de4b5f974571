"""What to generate: sizes, seed, end of history, dirt rates and the life-cycle flag."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from segkit.experiments import DEFAULT_HOLDOUT_SALT, DEFAULT_HOLDOUT_SHARE

from .common import DAY, HISTORY_DAYS


@dataclass(frozen=True)
class DirtRates:
    """Chance that an eligible row gets each kind of dirt (see the package docstring).

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
class PlantedEffect:
    """The true effect of one offer's campaign (segkit/generate/experiment.py)."""

    offer_id: str = "loyalty_double_points"
    start_date: str = "2026-09-30"  # the as_of of the cohort that carries the effect
    window_days: int = 30  # var experiment_readout_days
    conversion_share: float = 0.3  # of treatment customers, buy once more in the window
    order_amount: float = 100.0  # USD, the reporting currency
    holdout_share: float = DEFAULT_HOLDOUT_SHARE  # var holdout_share (or the seed's)
    holdout_salt: str = DEFAULT_HOLDOUT_SALT  # var holdout_salt

    def __post_init__(self) -> None:
        if not 0.0 <= self.conversion_share <= 1.0:
            raise ValueError("conversion_share must be between 0 and 1")
        if self.window_days < 1:
            raise ValueError("window_days must be at least 1")
        np.datetime64(self.start_date, "D")

    @property
    def start(self) -> int:
        """First second after start_date (UTC epoch seconds): the window opens here."""
        day = np.datetime64(self.start_date, "D").astype("datetime64[s]")
        return int(day.astype("int64")) + DAY

    def expected_conversion_uplift(self, baseline_conversion: float) -> float:
        """p_t - p_c for a segment whose conversion without the offer is the baseline."""
        return self.conversion_share * (1.0 - baseline_conversion)

    @property
    def expected_revenue_uplift(self) -> float:
        return self.conversion_share * self.order_amount


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: sizes, seed, the last day of history, and the dirt.

    ``lifecycle`` turns on what a landing zone sees day by day (segkit/generate/
    lifecycle.py): orders that change status in a second version, CRM records that land
    after the customer's first orders, and deletion requests, unsubscribes and consent
    revocations planted every day of the last ``lifecycle_days`` days. Off, the output
    is the classic one-snapshot-per-table data set, unchanged. ``planted_effect`` adds
    the extra orders of one offer's treatment arm (segkit/generate/experiment.py).
    """

    customers: int = 5_000
    seed: int = 42
    end_date: str = "2026-10-31"
    orders_per_customer: float = 10.0  # mean order count over all customers
    events_per_customer: float = 50.0  # mean web/app event count over all customers
    dirt: DirtRates = DirtRates()
    lifecycle: bool = False
    lifecycle_days: int = 30  # the planted happenings' window, ending on end_date
    # a known campaign effect (segkit/generate/experiment.py); None = the classic output
    planted_effect: PlantedEffect | None = None

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
