"""Builds the feature models with dbt into a temporary DuckDB file and checks them.

- The BTYD columns equal lifetimes' `summary_data_from_transaction_data` on the same
  transactions (exactly for frequency, recency and T; to 1e-6 for monetary value),
  at the default as_of and at a past as_of that must ignore later orders.
- The incremental daily/session tables and the windowed web behaviour, after a
  first build and a second build with new days, rows arriving a month late, and CRM
  records arriving after their customers' orders and events (re-stitching), equal a
  `--full-refresh` of the same models.
- A build at a past as_of on that database, which already holds rows loaded after
  the as_of, leaves them equal to a full refresh at that as_of: no session, day or
  customer of the later loads survives, and the web behaviour's windows move back
  (its rows hold an as_of interval, which the past as_of leaves).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segkit.btyd import make_customers, make_events, make_orders, reference_summary

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
CUSTOMERS = 150
START = "2025-01-01"
DAYS = 120
SEED = 11
FIRST_BUILD_END = pd.Timestamp(START) + pd.Timedelta(days=DAYS - 10)
ISOLATION_VARIABLES = ("SEG_RAW_PATH", "SEG_DUCKDB_PATH", "DBT_TARGET_PATH", "DBT_LOG_PATH")
INCREMENTAL_MODELS = [
    "int_orders__daily", "int_events__daily", "int_events__sessions", "int_customers__web_behaviour",
]
INCREMENTAL_KEYS = {
    "int_orders__daily": ["customer_id", "ordered_date"],
    "int_events__daily": ["customer_id", "occurred_date"],
    "int_events__sessions": ["session_id"],
    "int_customers__web_behaviour": ["customer_id"],
}
# One row per customer whatever the as_of: a past as_of changes the values, not the rows.
ONE_ROW_PER_CUSTOMER = {"int_customers__web_behaviour"}


def write_raw(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for name, frame in tables.items():
        raw = frame.drop(columns=[c for c in frame.columns if c.endswith("_utc")])
        con.register("frame", raw)
        con.execute(f"copy (select * from frame) to '{folder / name}.parquet' (format parquet)")
        con.unregister("frame")
    con.close()


def late_rows(occurred_at_utc: pd.Series) -> pd.Series:
    """Rows dated 30-40 days before the first build ends that only arrive for the
    second: far older than anything a look-back window would re-process."""
    return occurred_at_utc.between(
        FIRST_BUILD_END - pd.Timedelta(days=40), FIRST_BUILD_END - pd.Timedelta(days=30), inclusive="left"
    )


def landed_after_first_build(frame: pd.DataFrame, late_mask: pd.Series) -> pd.DataFrame:
    """``frame`` with the late rows' _loaded_at moved to just after the first build."""
    landed = frame.copy()
    landed.loc[late_mask, "_loaded_at"] = FIRST_BUILD_END + pd.Timedelta(hours=1)
    return landed


def late_crm_records(customers: pd.DataFrame) -> pd.Series:
    """Every seventh CRM record arrives only for the second build, after its
    customer's orders and events: the second build must re-stitch their history."""
    return pd.Series(range(len(customers)), index=customers.index) % 7 == 3


def first_build_rows(frame: pd.DataFrame, late_mask: pd.Series) -> pd.DataFrame:
    """Rows known at the first build: before its end, minus the late ones."""
    return frame[(frame["_loaded_at"] < FIRST_BUILD_END) & ~late_mask]


def run_dbt(args: list[str]) -> None:
    """dbt in a subprocess, so its DuckDB connection is closed before the test reads the file."""
    command = [str(DBT), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-4000:]


def read_table(database: Path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * from intermediate.{name}").df()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("btyd")
    raw, database = root / "raw", root / "features.duckdb"
    saved = {k: os.environ.get(k) for k in ISOLATION_VARIABLES}
    os.environ.update(
        SEG_RAW_PATH=str(raw),
        SEG_DUCKDB_PATH=str(database),
        DBT_TARGET_PATH=str(root / "target"),
        DBT_LOG_PATH=str(root / "logs"),
    )
    customers = make_customers(CUSTOMERS, "2024-06-01")
    # CRM records loaded before the first order, so they exist at the past as_of too
    customers["_loaded_at"] = customers["updated_at"] = pd.Timestamp(START) - pd.Timedelta(days=1)
    orders = make_orders(CUSTOMERS, START, DAYS, SEED)
    events = make_events(CUSTOMERS, START, DAYS, SEED)
    # late rows: dated inside the look-back of the first build, loaded after it
    late_orders = late_rows(orders["ordered_at_utc"])
    late_events = late_rows(events["occurred_at_utc"])
    assert late_orders.any() and late_events.any()
    select = ["--select", "+int_customers__btyd", *(f"+{name}" for name in INCREMENTAL_MODELS)]
    try:
        late_customers = late_crm_records(customers)
        write_raw(raw, {
            "customers": customers[~late_customers],
            "orders": first_build_rows(orders, late_orders),
            "events": first_build_rows(events, late_events),
        })
        run_dbt(["run", *select])
        # late rows landed after the first build: their _loaded_at says so (the
        # incremental watermark relies on it, whatever their business date)
        write_raw(raw, {
            "customers": landed_after_first_build(customers, late_customers),
            "orders": landed_after_first_build(orders, late_orders),
            "events": landed_after_first_build(events, late_events),
        })
        run_dbt(["run", *select])
        incremental = {name: read_table(database, name) for name in INCREMENTAL_MODELS}
        btyd_default = read_table(database, "int_customers__btyd")
        as_of_default = read_table(database, "int_as_of_date")["as_of_date"].iloc[0]
        past_as_of = str((pd.Timestamp(START) + pd.Timedelta(days=DAYS // 2)).date())
        run_dbt(["run", "--select", "int_as_of_date", "int_customers__btyd", "--vars", f"{{as_of: '{past_as_of}'}}"])
        btyd_past = read_table(database, "int_customers__btyd")
        # int_as_of_date too: the step above left the past as_of in it, and the web
        # behaviour reads it
        run_dbt(["run", "--full-refresh", "--select", "int_as_of_date", *INCREMENTAL_MODELS])
        full_refresh = {name: read_table(database, name) for name in INCREMENTAL_MODELS}
        # a past as_of on the database that knows the later loads, then from scratch
        past_vars = ["--vars", f"{{as_of: '{past_as_of}'}}"]
        past_select = ["--select", *(f"+{name}" for name in INCREMENTAL_MODELS)]
        run_dbt(["run", *past_select, *past_vars])
        past_incremental = {name: read_table(database, name) for name in INCREMENTAL_MODELS}
        run_dbt(["run", "--full-refresh", *past_select, *past_vars])
        past_full_refresh = {name: read_table(database, name) for name in INCREMENTAL_MODELS}
        yield {
            "orders": orders,
            "as_of_default": str(as_of_default),
            "btyd_default": btyd_default,
            "past_as_of": past_as_of,
            "btyd_past": btyd_past,
            "incremental": incremental,
            "full_refresh": full_refresh,
            "past_incremental": past_incremental,
            "past_full_refresh": past_full_refresh,
        }
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def assert_btyd_equals_lifetimes(dbt_btyd: pd.DataFrame, expected: pd.DataFrame) -> None:
    actual = dbt_btyd.set_index("customer_id").sort_index()[expected.columns]
    assert list(actual.index) == list(expected.index)
    for column in ["btyd_frequency", "btyd_recency_days", "btyd_t_days"]:
        assert (actual[column].astype(int) == expected[column].astype(int)).all(), column
    pd.testing.assert_series_equal(
        actual["btyd_monetary_value"].astype(float),
        expected["btyd_monetary_value"],
        check_exact=False,
        atol=1e-6,
    )


def test_btyd_matches_lifetimes_at_the_default_as_of(build: dict[str, object]) -> None:
    orders = build["orders"]
    expected = reference_summary(orders, build["as_of_default"])
    assert expected["btyd_frequency"].gt(0).any() and expected["btyd_frequency"].eq(0).any()
    assert_btyd_equals_lifetimes(build["btyd_default"], expected)


def test_btyd_matches_lifetimes_at_a_past_as_of(build: dict[str, object]) -> None:
    expected = reference_summary(build["orders"], build["past_as_of"])
    assert_btyd_equals_lifetimes(build["btyd_past"], expected)


def assert_same_rows(model: str, actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    keys = INCREMENTAL_KEYS[model]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(
        actual.sort_values(keys).reset_index(drop=True), expected.sort_values(keys).reset_index(drop=True)
    )


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_incremental_build_equals_full_refresh(build: dict[str, object], model: str) -> None:
    assert_same_rows(model, build["incremental"][model], build["full_refresh"][model])


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_past_as_of_on_a_later_database_equals_a_full_refresh_at_that_as_of(
    build: dict[str, object], model: str
) -> None:
    past, later = build["past_full_refresh"][model], build["full_refresh"][model]
    # the later loads are in the database, not in the past build
    if model in ONE_ROW_PER_CUSTOMER:
        keys = INCREMENTAL_KEYS[model]
        assert not past.sort_values(keys).reset_index(drop=True).equals(later.sort_values(keys).reset_index(drop=True))
    else:
        assert len(past) < len(later)
    assert_same_rows(model, build["past_incremental"][model], past)
