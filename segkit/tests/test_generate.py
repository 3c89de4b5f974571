"""Tests for the sample-data generator: determinism, sizes, the raw contract, realistic
shapes, and that every kind of dirt is present at its configured rate (measured on
the data itself, not read back from the manifest)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from segkit.generate import DirtRates, GeneratorConfig, generate, main, write

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "raw_contract.md"
ARROW_TYPES = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
               "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us")}
N = 2000


@pytest.fixture(scope="module")
def dirty() -> tuple[dict[str, pa.Table], dict]:
    return generate(GeneratorConfig(customers=N, seed=11))


@pytest.fixture(scope="module")
def clean() -> tuple[dict[str, pa.Table], dict]:
    return generate(GeneratorConfig(customers=N, seed=11, dirt=DirtRates().override(["all=0"])))


@pytest.fixture(scope="module")
def con(dirty, clean) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for prefix, (tables, _) in (("d", dirty), ("c", clean)):
        for name, table in tables.items():
            con.register(f"{prefix}_{name}", table)
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return con.execute(sql).fetchall()[0][0]


def assert_near(observed: float, expected: float) -> None:
    """Within the spread of a binomial count (4 sigma) plus a little slack."""
    assert abs(observed - expected) <= 4 * math.sqrt(max(expected, 1.0)) + 2, (observed, expected)


def contract_rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in CONTRACT.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[2] in ARROW_TYPES:
            for column in cells[1].split(","):
                rows.append((cells[0], column.strip(), cells[2]))
    return rows


def test_same_seed_same_tables_other_seed_different() -> None:
    first, _ = generate(GeneratorConfig(customers=300, seed=5))
    again, _ = generate(GeneratorConfig(customers=300, seed=5))
    other, _ = generate(GeneratorConfig(customers=300, seed=6))
    assert all(first[name].equals(again[name]) for name in first)
    assert not first["orders"].equals(other["orders"])


def test_every_contract_column_has_the_contract_type(dirty) -> None:
    tables, _ = dirty
    rows = contract_rows()
    assert len(rows) > 50
    for table, column, kind in rows:
        schema = tables[table].schema
        assert column in schema.names, f"{table}.{column} missing"
        assert schema.field(column).type == ARROW_TYPES[kind], f"{table}.{column}"
    expected_columns = {t: [c for tt, c, _ in rows if tt == t] for t in tables}
    assert {t: tables[t].schema.names for t in tables} == expected_columns


def test_sizes_follow_the_knobs(clean, con) -> None:
    tables, _ = clean
    assert tables["customers"].num_rows == N
    assert 0.85 * 10 * N < tables["orders"].num_rows < 1.15 * 10 * N
    assert 0.8 * 50 * N < tables["events"].num_rows < 1.2 * 50 * N
    bigger, _ = generate(GeneratorConfig(customers=N, seed=11, orders_per_customer=20,
                                         dirt=DirtRates().override(["all=0"])))
    assert bigger["orders"].num_rows > 1.6 * tables["orders"].num_rows
    buyers = scalar(con, "select count(distinct customer_id) from c_orders") / N
    assert 0.7 < buyers < 0.9


def test_shapes_are_realistic(clean, con) -> None:
    # heavy-tailed spend: the top 1% of customers hold far more than 1% of revenue
    top_share = scalar(con, """
        with spend as (select customer_id, sum(amount) as s from c_orders group by 1)
        select sum(s) filter (where s >= (select quantile_cont(s, 0.99) from spend)) / sum(s) from spend""")
    assert top_share > 0.05
    # November/December busier than February
    peak = scalar(con, """select count(*) filter (where substr(ordered_at, 6, 2) in ('11', '12'))
                          / count(*) filter (where substr(ordered_at, 6, 2) = '02') from c_orders""")
    assert peak > 2.5
    # every status, device and several time zones appear; carts are abandoned
    assert scalar(con, "select count(distinct lower(status)) from c_orders") == 3
    assert scalar(con, "select count(distinct device) from c_events") == 3
    assert scalar(con, "select count(distinct utc_offset_minutes) from c_events") >= 5
    offsets = con.execute("select distinct regexp_extract(ordered_at, '([+-][0-9:]{5}|Z)$') from c_orders").fetchall()
    assert len(offsets) >= 5 and ("Z",) in offsets
    assert scalar(con, "select count(*) from c_orders where try_cast(ordered_at as timestamptz) is null") == 0
    carts = scalar(con, "select count(distinct session_id) from c_events where event_type = 'add_to_cart'")
    bought = scalar(con, "select count(distinct session_id) from c_events where event_type = 'purchase'")
    assert 0.3 < bought / carts < 0.6
    # devices browse anonymously before logging in
    anonymous_then_known = scalar(con, """
        select count(*) from (select anonymous_id from c_events group by 1
                              having count(*) filter (where customer_id is null) > 0
                                 and count(*) filter (where customer_id is not null) > 0)""")
    assert anonymous_then_known > 0.2 * N


def test_order_lines_add_up_to_the_order_amount(clean, con) -> None:
    worst = scalar(con, """
        select max(abs(o.amount - l.total) - 0.005 * l.lines)
        from c_orders as o
        join (select order_id, sum(quantity * unit_price) as total, count(*) as lines
              from c_order_lines group by 1) as l using (order_id)""")
    assert worst <= 0.01 * 5


def test_clean_data_has_no_dirt(con) -> None:
    assert scalar(con, "select count(*) - count(distinct customer_id) from c_customers") == 0
    assert scalar(con, "select count(*) from c_customers where customer_id is null") == 0
    assert scalar(con, "select count(*) from c_orders where amount <= 0 or order_id is null") == 0
    assert scalar(con, "select count(*) from c_orders where cast(ordered_at as timestamptz) > _loaded_at") == 0
    assert scalar(con, "select count(*) - count(distinct event_id) from c_events") == 0


def test_every_dirt_kind_is_present_at_its_rate(dirty, con) -> None:
    rates = DirtRates()
    customers = N + round(rates.multi_identifier_persons * N) + round(rates.near_duplicate_emails * N)
    orders = scalar(con, "select count(distinct order_id) from d_orders")
    events = scalar(con, "select count(distinct event_id) from d_events")
    email_re = r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}"
    assert_near(scalar(con, f"select count(*) from d_customers where not regexp_full_match("
                            f"lower(trim(email)), '{email_re}')"), rates.invalid_emails * N)
    assert_near(scalar(con, "select count(*) from d_customers where birth_date < date '1900-01-01' "
                            "or birth_date > date '2026-10-31'"), rates.impossible_ages * N)
    assert_near(scalar(con, "select count(*) from d_customers where customer_id is null"),
                rates.null_keys * customers)
    assert_near(scalar(con, "select count(*) from d_orders where order_id is null"), rates.null_keys * orders)
    assert_near(scalar(con, "select count(*) from d_events where event_id is null"), rates.null_keys * events)
    assert_near(scalar(con, "select count(*) from d_orders where amount <= 0"), rates.non_positive_amounts * orders)
    assert_near(scalar(con, "select count(*) from d_orders where cast(ordered_at as timestamptz) > _loaded_at"),
                rates.future_timestamps * orders)
    assert_near(scalar(con, "select count(*) from d_events where occurred_at > _loaded_at + interval 1 day"),
                rates.future_timestamps * events)
    assert_near(scalar(con, "select count(*) from d_orders where _loaded_at > updated_at + interval 2 day"),
                rates.late_arriving * orders)
    assert_near(scalar(con, "select count(*) from d_orders where status = 'shipped?' or currency = 'XYZ'"),
                rates.unknown_enums * orders)
    assert_near(scalar(con, "select count(*) from d_events where event_type = 'scroll_depth'"),
                rates.unknown_enums * events)
    for table, total in (("customers", customers), ("orders", orders), ("events", events)):
        copies = scalar(con, f"select count(*) - count(distinct d_{table}) from d_{table}")
        assert_near(copies, rates.exact_duplicates * total / (1 + rates.exact_duplicates))
    near = scalar(con, """select count(*) from (select customer_id from d_customers where customer_id is not null
                          group by 1 having count(distinct email) > 1
                             and count(distinct lower(trim(email))) = 1)""")
    assert_near(near, rates.near_duplicate_emails * N)
    shared = scalar(con, """select count(*) from (
        select coalesce(lower(trim(email)), phone) as k from (select distinct customer_id, email, phone
        from d_customers where customer_id is not null) group by 1 having count(distinct customer_id) > 1)""")
    assert_near(shared, rates.multi_identifier_persons * N)
    extra_orders = scalar(con, "select count(*) from d_orders where customer_id like 'C1000%' and len(customer_id) > 10")
    assert extra_orders >= shared


def test_manifest_and_files(tmp_path: Path) -> None:
    code = main(["--customers", "200", "--seed", "3", "--out", str(tmp_path), "--dirt", "null_keys=0.05"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{t}.parquet" for t in ("customers", "orders", "order_lines", "events", "email_events",
                                  "consent_events", "deletion_requests")] + ["_manifest.json"])
    import json
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert manifest["dirt_rates"]["null_keys"] == 0.05
    rows = duckdb.connect().execute(f"select count(*) from '{tmp_path}/orders.parquet'").fetchall()[0][0]
    assert manifest["rows"]["orders"] == rows


def test_bad_dirt_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown dirt kind 'typo'"):
        DirtRates().override(["typo=0.1"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        DirtRates().override(["null_keys=2"])
    with pytest.raises(SystemExit):
        main(["--customers", "0"])


def test_write_round_trips(tmp_path: Path) -> None:
    tables, manifest = generate(GeneratorConfig(customers=50, seed=1))
    write(tables, manifest, tmp_path)
    con = duckdb.connect()
    assert con.execute(f"select count(*) from '{tmp_path}/events.parquet'").fetchall()[0][0] == tables["events"].num_rows
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$",
                    tables["orders"].column("ordered_at")[0].as_py())
    assert np.isfinite(tables["orders"].column("amount").to_numpy()).all()
