"""BTYD (buy-till-you-die) reference helpers for checking the dbt features.

`reference_summary` is lifetimes' `summary_data_from_transaction_data` with the
project's conventions (purchases only, UTC days, observation end = as_of), renamed to
the `customer_features` columns. `make_raw_tables` builds a small raw data set that
follows docs/raw_contract.md, with the awkward cases the BTYD columns must survive:
several orders on one day, refunds and cancellations, orders after as_of and
non-UTC offsets that move an order to another UTC day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

BTYD_COLUMNS = {
    "frequency": "btyd_frequency",
    "recency": "btyd_recency_days",
    "T": "btyd_t_days",
    "monetary_value": "btyd_monetary_value",
}
EVENT_TYPES = np.array(["page_view", "product_view", "add_to_cart", "checkout", "purchase"])


def reference_summary(orders: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """lifetimes' summary of completed orders (UTC `ordered_at_utc`, `amount`) as of `as_of`."""
    purchases = orders.loc[orders["status"] == "completed", ["customer_id", "ordered_at_utc", "amount"]]
    summary = summary_data_from_transaction_data(
        purchases,
        customer_id_col="customer_id",
        datetime_col="ordered_at_utc",
        monetary_value_col="amount",
        observation_period_end=as_of,
        freq="D",
    )
    return summary.rename(columns=BTYD_COLUMNS).rename_axis("customer_id").sort_index()


def _iso_with_offset(utc: pd.Series, offset_hours: np.ndarray) -> pd.Series:
    """ISO-8601 text of `utc` shown in local time at `offset_hours` (e.g. +02:00)."""
    local = utc + pd.to_timedelta(offset_hours, unit="h")
    sign = np.where(offset_hours < 0, "-", "+")
    offset_text = pd.Series(sign, index=utc.index) + pd.Series(
        np.char.zfill(np.abs(offset_hours).astype(str), 2), index=utc.index
    ) + ":00"
    return local.dt.strftime("%Y-%m-%d %H:%M:%S") + offset_text


def make_customers(n_customers: int, signup_start: str) -> pd.DataFrame:
    """Clean CRM rows C1..Cn signed up one day apart from `signup_start`."""
    ids = np.arange(1, n_customers + 1)
    signup = pd.Timestamp(signup_start) + pd.to_timedelta(ids, unit="D")
    loaded = pd.Timestamp("2030-01-01")
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in ids],
            "email": [f"user{i}@example.com" for i in ids],
            "phone": pd.Series([None] * n_customers, dtype="string"),
            "first_name": pd.Series([None] * n_customers, dtype="string"),
            "last_name": pd.Series([None] * n_customers, dtype="string"),
            "birth_date": pd.Timestamp("1980-01-01").date(),
            "age": pd.Series([None] * n_customers, dtype="Int32"),
            "gender": "unknown",
            "income_band": "medium",
            "country_code": "US",
            "region": pd.Series([None] * n_customers, dtype="string"),
            "city": pd.Series([None] * n_customers, dtype="string"),
            "signup_at": pd.Series(signup).dt.strftime("%Y-%m-%d %H:%M:%S") + "+00:00",
            "is_loyalty_member": ids % 3 == 0,
            "loyalty_tier": np.where(ids % 3 == 0, "gold", None),
            "updated_at": loaded,
            "_loaded_at": loaded,
        }
    )


def make_orders(n_customers: int, start: str, days: int, seed: int) -> pd.DataFrame:
    """Orders spread over `days` days from `start`, with same-day repeats and mixed statuses."""
    rng = np.random.default_rng(seed)
    per_customer = rng.poisson(4, n_customers)
    customer_numbers = np.repeat(np.arange(1, n_customers + 1), per_customer)
    n = customer_numbers.size
    day_offsets = rng.integers(0, days, n)
    # a quarter of the orders land on the day of the customer's previous order
    same_day = rng.random(n) < 0.25
    day_offsets = np.where(same_day, np.roll(day_offsets, 1), day_offsets)
    utc = pd.Series(
        pd.Timestamp(start)
        + pd.to_timedelta(day_offsets, unit="D")
        + pd.to_timedelta(rng.integers(0, 24 * 3600, n), unit="s")
    )
    offset_hours = rng.choice(np.array([-8, -5, 0, 2, 9]), n)
    return pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(1, n + 1)],
            "customer_id": [f"C{i}" for i in customer_numbers],
            "customer_email": pd.Series([None] * n, dtype="string"),
            "ordered_at": _iso_with_offset(utc, offset_hours),
            "ordered_at_utc": utc,
            "amount": np.round(rng.uniform(5, 500, n), 2),
            "currency": "USD",
            "status": rng.choice(np.array(["completed", "refunded", "cancelled"]), n, p=[0.8, 0.12, 0.08]),
            "sales_channel": rng.choice(np.array(["web", "app", "store"]), n),
            "updated_at": utc,
            "_loaded_at": utc + pd.Timedelta(hours=1),
        }
    )


def make_events(n_customers: int, start: str, days: int, seed: int) -> pd.DataFrame:
    """Web events in sessions of one to six events, some crossing midnight."""
    rng = np.random.default_rng(seed)
    n_sessions = n_customers * 6
    session_customer = rng.integers(1, n_customers + 1, n_sessions)
    session_start = pd.Timestamp(start) + pd.to_timedelta(
        rng.integers(0, days * 24 * 3600, n_sessions), unit="s"
    )
    events_per_session = rng.integers(1, 7, n_sessions)
    session_index = np.repeat(np.arange(n_sessions), events_per_session)
    n = session_index.size
    utc = pd.Series(session_start[session_index]) + pd.to_timedelta(rng.integers(0, 1800, n), unit="s")
    return pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(1, n + 1)],
            "anonymous_id": [f"D{c}" for c in session_customer[session_index]],
            "customer_id": [f"C{c}" for c in session_customer[session_index]],
            "session_id": [f"S{s}" for s in session_index],
            "event_type": rng.choice(EVENT_TYPES, n, p=[0.4, 0.3, 0.15, 0.08, 0.07]),
            "page_path": "/",
            "device": rng.choice(np.array(["desktop", "mobile", "tablet"]), n_sessions)[session_index],
            "channel": rng.choice(np.array(["direct", "organic", "email"]), n_sessions)[session_index],
            "campaign": pd.Series([None] * n, dtype="string"),
            "occurred_at": utc,
            "utc_offset_minutes": np.zeros(n, dtype="int32"),
            "occurred_at_utc": utc,
            "_loaded_at": utc + pd.Timedelta(minutes=5),
        }
    )
