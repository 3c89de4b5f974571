"""Fault family: bad values in single rows. None may stop the build: each row is
quarantined with its reason (or kept, when the value is valid), and every other row
is staged as usual.

One dbt build (with var as_of set, so the point-in-time filter reads the bad
`_loaded_at` values too) on the clean tables with these rows planted; customers,
orders and one column each of order_lines and email_events are written as text (a
CSV export, a loosely typed landing table), the rest keeps the contract's types:

- orders amount 'nan', 'inf', '-Infinity' -> invalid_amount; '1e308', '1e22' ->
  amount_out_of_range; '12,50' -> invalid_amount; '12.50' kept;
- orders ordered_at 'infinity', '-infinity', 'epoch', an offset '+99:00' ->
  invalid_ordered_at; updated_at 'yesterday' -> invalid_updated_at; _loaded_at
  'garbage' -> invalid_loaded_at; naive '2026-03-01 10:15:00' and
  '2026-03-01T10:15:00Z' kept as 10:15 UTC; offset '+14:00' kept;
- customers birth_date '1990-02-30' -> invalid_birth_date; age 'thirty' ->
  invalid_age; is_loyalty_member 'maybe' -> invalid_is_loyalty_member; updated_at
  'epoch' -> invalid_updated_at; signup_at 'infinity' -> invalid_signup_at;
- order_lines quantity 'two' -> invalid_quantity; unit_price NaN / +Infinity (typed
  double) -> invalid_unit_price; 1e22 -> unit_price_out_of_range;
- events utc_offset_minutes -2147483648 and 5940 (+99 h) -> invalid_occurred_at;
  a 1970 `_loaded_at` (typed, with a time zone) -> invalid_loaded_at;
- email_events _loaded_at 'yesterday' -> invalid_loaded_at; occurred_at '-infinity'
  -> invalid_occurred_at;
- optional columns absent from the files (customers.phone, orders.sales_channel)
  are read as typed nulls.

A second build of the same files under TZ=America/New_York must stage identical
timestamps: a timestamp without an offset is UTC whatever the machine's zone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segkit.tests.faults.harness import Build, as_text, clean_tables, dbt_build, write_raw

AS_OF = "2026-10-31"


def _copies(
    frame: pd.DataFrame, template_row: int, changes: dict[str, dict[str, object]], key: str
) -> pd.DataFrame:
    """One copy of ``frame``'s row per entry of ``changes`` (new key -> column values)."""
    rows = []
    for new_key, values in changes.items():
        row = frame.iloc[template_row].copy()
        row[key] = new_key
        for column, value in values.items():
            row[column] = value
        rows.append(row)
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)


def plant(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    customers = as_text(tables["customers"]).drop(columns=["phone"])
    customers = _copies(customers, 0, {
        "C-BIRTH": {"birth_date": "1990-02-30", "age": None},
        "C-AGE": {"birth_date": None, "age": "thirty"},
        "C-LOYAL": {"is_loyalty_member": "maybe"},
        "C-UPDATED": {"updated_at": "epoch"},
        "C-SIGNUP": {"signup_at": "infinity"},
    }, "customer_id")

    orders = as_text(tables["orders"]).drop(columns=["sales_channel"])
    orders = _copies(orders, 0, {
        "O-NAN": {"amount": "nan"},
        "O-INF": {"amount": "inf"},
        "O-NINF": {"amount": "-Infinity"},
        "O-E308": {"amount": "1e308"},
        "O-E22": {"amount": "1e22"},
        "O-COMMA": {"amount": "12,50"},
        "O-DOT": {"amount": "12.50"},
        "O-TS-INF": {"ordered_at": "infinity"},
        "O-TS-NINF": {"ordered_at": "-infinity"},
        "O-TS-EPOCH": {"ordered_at": "epoch"},
        "O-TS-99": {"ordered_at": "2025-08-14 21:07:52+99:00"},
        "O-TS-14": {"ordered_at": "2025-08-14 21:07:52+14:00"},
        "O-NAIVE": {"ordered_at": "2025-08-14 10:15:00"},
        "O-ZULU": {"ordered_at": "2025-08-14T10:15:00Z"},
        "O-UPDATED": {"updated_at": "yesterday"},
        "O-LOADED": {"_loaded_at": "garbage"},
    }, "order_id")

    lines = tables["order_lines"].copy()
    lines["quantity"] = as_text(lines[["quantity"]])["quantity"]
    lines = _copies(lines, 0, {
        "L-TWO": {"quantity": "two"},
        "L-NAN": {"unit_price": float("nan")},
        "L-INF": {"unit_price": float("inf")},
        "L-E22": {"unit_price": 1e22},
    }, "order_line_id")

    events = _copies(tables["events"], 0, {
        "E-MIN-INT": {"utc_offset_minutes": -2147483648},
        "E-99H": {"utc_offset_minutes": 99 * 60},
        "E-1970": {"_loaded_at": pd.Timestamp("1970-01-01 00:00:00")},
    }, "event_id")
    events["utc_offset_minutes"] = events["utc_offset_minutes"].astype("int32")
    events["_loaded_at"] = events["_loaded_at"].dt.tz_localize("UTC")

    email = tables["email_events"].copy()
    email["_loaded_at"] = as_text(email[["_loaded_at"]])["_loaded_at"]
    email = _copies(email, 0, {
        "M-LOADED": {"_loaded_at": "yesterday"},
        "M-NINF": {"occurred_at": "-infinity"},
    }, "email_event_id")

    return {
        **tables,
        "customers": customers,
        "orders": orders,
        "order_lines": lines,
        "events": events,
        "email_events": email,
    }


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = plant(clean_tables())
    folder = write_raw(tmp_path_factory.mktemp("row-values-raw"), tables)
    # pandas writes a float NaN as null: keep the planted NaN a NaN
    lines = pa.Table.from_pandas(tables["order_lines"], preserve_index=False)
    unit_price = pa.array(tables["order_lines"]["unit_price"].to_numpy(), pa.float64())
    pq.write_table(
        lines.set_column(lines.schema.get_field_index("unit_price"), "unit_price", unit_price),
        folder / "order_lines.parquet",
    )
    return folder


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, raw: Path) -> Build:
    result = dbt_build(
        tmp_path_factory.mktemp("row-values"), raw, dbt_vars={"as_of": AS_OF}, env={"TZ": "UTC"}
    )
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def build_new_york(tmp_path_factory: pytest.TempPathFactory, raw: Path) -> Build:
    result = dbt_build(
        tmp_path_factory.mktemp("row-values-ny"),
        raw,
        dbt_vars={"as_of": AS_OF},
        env={"TZ": "America/New_York"},
    )
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


def reasons(build: Build, source_table: str) -> dict[str, str]:
    quarantined = build.quarantined(source_table)
    return dict(zip(quarantined.natural_key, quarantined.rejection_reason, strict=True))


def test_no_row_value_fails_the_build(build: Build) -> None:
    # the conservation and reason-documentation tests ran in the build and passed
    assert "assert_rows_conserved_in_staging" in build.output
    assert not build.failures()


@pytest.mark.parametrize(
    ("order_id", "reason"),
    [
        ("O-NAN", "invalid_amount"),
        ("O-INF", "invalid_amount"),
        ("O-NINF", "invalid_amount"),
        ("O-COMMA", "invalid_amount"),
        ("O-E308", "amount_out_of_range"),
        ("O-E22", "amount_out_of_range"),
        ("O-TS-INF", "invalid_ordered_at"),
        ("O-TS-NINF", "invalid_ordered_at"),
        ("O-TS-EPOCH", "invalid_ordered_at"),
        ("O-TS-99", "invalid_ordered_at"),
        ("O-UPDATED", "invalid_updated_at"),
        ("O-LOADED", "invalid_loaded_at"),
    ],
)
def test_bad_order_values_are_quarantined(build: Build, order_id: str, reason: str) -> None:
    assert reasons(build, "shop.orders").get(order_id) == reason


def test_quarantine_shows_the_raw_amount(build: Build) -> None:
    row = build.frame(
        """select raw_values from staging.stg_audit__quarantined_rows
           where natural_key = 'O-COMMA'"""
    )
    assert "amount_raw=12,50" in row.raw_values[0]


def test_valid_order_variants_are_kept_in_utc(build: Build) -> None:
    kept = build.frame(
        """select order_id, amount_local, ordered_at from staging.stg_shop__orders
           where order_id in ('O-DOT', 'O-TS-14', 'O-NAIVE', 'O-ZULU')"""
    ).set_index("order_id")
    assert kept.loc["O-DOT", "amount_local"] == 12.5
    assert kept.loc["O-TS-14", "ordered_at"] == pd.Timestamp("2025-08-14 07:07:52")
    assert kept.loc["O-NAIVE", "ordered_at"] == pd.Timestamp("2025-08-14 10:15:00")
    assert kept.loc["O-ZULU", "ordered_at"] == pd.Timestamp("2025-08-14 10:15:00")


@pytest.mark.parametrize(
    ("customer_id", "reason"),
    [
        ("C-BIRTH", "invalid_birth_date"),
        ("C-AGE", "invalid_age"),
        ("C-LOYAL", "invalid_is_loyalty_member"),
        ("C-UPDATED", "invalid_updated_at"),
        ("C-SIGNUP", "invalid_signup_at"),
    ],
)
def test_bad_customer_values_are_quarantined(build: Build, customer_id: str, reason: str) -> None:
    assert reasons(build, "crm.customers").get(customer_id) == reason


@pytest.mark.parametrize(
    ("order_line_id", "reason"),
    [
        ("L-TWO", "invalid_quantity"),
        ("L-NAN", "invalid_unit_price"),
        ("L-INF", "invalid_unit_price"),
        ("L-E22", "unit_price_out_of_range"),
    ],
)
def test_bad_order_line_values_are_quarantined(
    build: Build, order_line_id: str, reason: str
) -> None:
    assert reasons(build, "shop.order_lines").get(order_line_id) == reason


@pytest.mark.parametrize(
    ("event_id", "reason"),
    [
        ("E-MIN-INT", "invalid_occurred_at"),
        ("E-99H", "invalid_occurred_at"),
        ("E-1970", "invalid_loaded_at"),
    ],
)
def test_bad_event_values_are_quarantined(build: Build, event_id: str, reason: str) -> None:
    assert reasons(build, "web.events").get(event_id) == reason


@pytest.mark.parametrize(
    ("email_event_id", "reason"),
    [("M-LOADED", "invalid_loaded_at"), ("M-NINF", "invalid_occurred_at")],
)
def test_bad_email_values_are_quarantined(build: Build, email_event_id: str, reason: str) -> None:
    assert reasons(build, "email.email_events").get(email_event_id) == reason


def test_no_unplanted_row_is_quarantined(build: Build) -> None:
    planted = build.quarantined()
    is_planted = planted.natural_key.str.contains("-")
    assert is_planted.all(), planted[~is_planted]


def test_absent_optional_columns_are_typed_nulls(build: Build) -> None:
    assert build.query(
        "select count(*) from staging.stg_shop__orders where sales_channel != 'unknown'"
    ) == [(0,)]
    assert build.query("select count(phone_raw) from staging.base_crm__customers") == [(0,)]


STAGED_TIMESTAMPS = {
    "stg_shop__orders": ("order_id", "ordered_at, updated_at, _loaded_at"),
    "stg_crm__customers": ("customer_id", "signup_at, _loaded_at"),
    "stg_web__events": ("event_id", "occurred_at, _loaded_at"),
    "stg_email__events": ("email_event_id", "occurred_at, _loaded_at"),
}


@pytest.mark.parametrize("model", sorted(STAGED_TIMESTAMPS))
def test_staged_timestamps_do_not_depend_on_the_machine_time_zone(
    build: Build, build_new_york: Build, model: str
) -> None:
    key, columns = STAGED_TIMESTAMPS[model]
    sql = f"select {key}, {columns} from staging.{model} order by {key}"
    utc, new_york = build.frame(sql), build_new_york.frame(sql)
    assert len(utc) > 0
    pd.testing.assert_frame_equal(utc, new_york)
