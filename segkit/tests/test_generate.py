"""Tests for the sample-data generator: determinism, sizes that follow the knobs, the raw
contract (read from docs/raw_contract.md, so a drift in either fails), realistic shapes,
and every kind of dirt present at its configured rate -- measured on the data itself
with a tolerance from the binomial spread, not read back from the manifest -- and absent
when its rate is 0. The quarantine rules of docs/staging.md are restated in SQL here
(``REJECTION_RULES``) so the data proves every reason code fires on dirty data and none
on clean data, independently of the generator's own bookkeeping."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from segkit.generate import (
    DIRT_TARGETS,
    TABLES,
    DirtRates,
    GeneratorConfig,
    generate,
    generate_to,
    generate_with_manifest,
    main,
    write,
)

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "raw_contract.md"
STAGING_DOC = Path(__file__).resolve().parents[2] / "docs" / "staging.md"
ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}
N = 2000
SEED = 11
END = "2026-10-31"
EMAIL_RE = r"[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}"
# Rates high enough that a 4-sigma band is narrow relative to the expectation.
TEST_RATES = DirtRates(**dict.fromkeys(dataclasses.asdict(DirtRates()), 0.03))
CLEAN = DirtRates().override(["all=0"])
GENERIC_KINDS = tuple(DIRT_TARGETS)
ISO_TS = "try_cast({} as timestamptz)"
EVENT_UTC = "occurred_at - to_minutes(utc_offset_minutes)"
# docs/staging.md's rules per raw table, first failing rule wins, restated on raw columns
# (defaults of the vars min/max_customer_age_years, max_utc_offset_minutes, ...).
REJECTION_RULES: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("missing_customer_id", "nullif(trim(customer_id), '') is null"),
        ("invalid_signup_at", f"{ISO_TS.format('signup_at')} is null"),
        ("future_signup_at", f"{ISO_TS.format('signup_at')} > _loaded_at"),
        (
            "invalid_email",
            f"email is not null and not regexp_full_match(lower(trim(email)), '{EMAIL_RE}')",
        ),
        (
            "impossible_age",
            """coalesce(floor(datediff('day', birth_date, cast(_loaded_at as date)) / 365.25), age)
               not between 13 and 110""",
        ),
        (
            "unknown_gender",
            "lower(trim(gender)) not in ('female', 'male', 'non_binary', 'unknown')",
        ),
    ],
    "orders": [
        ("missing_order_id", "nullif(trim(order_id), '') is null"),
        ("missing_customer_reference", "customer_id is null and customer_email is null"),
        ("invalid_ordered_at", f"{ISO_TS.format('ordered_at')} is null"),
        ("future_ordered_at", f"{ISO_TS.format('ordered_at')} > _loaded_at"),
        (
            "unknown_order_status",
            "coalesce(lower(trim(status)), '') not in ('completed', 'refunded', 'cancelled')",
        ),
        ("unknown_currency", "coalesce(upper(trim(currency)), '') not in ('USD', 'EUR', 'GBP')"),
        ("non_positive_amount", "coalesce(amount, 0) <= 0"),
    ],
    "order_lines": [
        ("missing_order_line_id", "order_line_id is null"),
        ("missing_order_id", "order_id is null"),
        ("missing_product_id", "product_id is null"),
        ("non_positive_quantity", "coalesce(quantity, 0) <= 0"),
        ("negative_unit_price", "coalesce(unit_price, -1) < 0"),
    ],
    "events": [
        ("missing_event_id", "event_id is null"),
        ("missing_anonymous_id", "anonymous_id is null"),
        ("missing_session_id", "session_id is null"),
        (
            "invalid_occurred_at",
            "occurred_at is null or utc_offset_minutes is null or abs(utc_offset_minutes) > 840",
        ),
        ("future_occurred_at", f"{EVENT_UTC} > _loaded_at"),
        (
            "unknown_event_type",
            """coalesce(event_type, '') not in
               ('page_view', 'product_view', 'add_to_cart', 'checkout', 'purchase')""",
        ),
    ],
    "email_events": [
        ("missing_email_event_id", "email_event_id is null"),
        ("missing_customer_id", "customer_id is null"),
        ("invalid_occurred_at", f"{ISO_TS.format('occurred_at')} is null"),
        ("future_occurred_at", f"{ISO_TS.format('occurred_at')} > _loaded_at"),
        (
            "unknown_email_event_type",
            "coalesce(event_type, '') not in ('send', 'open', 'click', 'unsubscribe')",
        ),
    ],
    "consent_events": [
        ("missing_consent_event_id", "consent_event_id is null"),
        ("missing_customer_id", "customer_id is null"),
        ("invalid_occurred_at", f"{ISO_TS.format('occurred_at')} is null"),
        ("future_occurred_at", f"{ISO_TS.format('occurred_at')} > _loaded_at"),
        (
            "unknown_consent_purpose",
            """coalesce(purpose, '') not in
               ('marketing_email', 'marketing_sms', 'personalisation', 'analytics',
                'sale_or_sharing')""",
        ),
        ("unknown_consent_status", "coalesce(status, '') not in ('granted', 'revoked')"),
    ],
    "deletion_requests": [
        ("missing_request_id", "request_id is null"),
        ("missing_customer_reference", "customer_id is null and email is null"),
    ],
}


@pytest.fixture(scope="module")
def dirty() -> tuple[dict[str, pa.Table], dict]:
    return generate_with_manifest(GeneratorConfig(customers=N, seed=SEED, dirt=TEST_RATES))


@pytest.fixture(scope="module")
def clean() -> tuple[dict[str, pa.Table], dict]:
    return generate_with_manifest(GeneratorConfig(customers=N, seed=SEED, dirt=CLEAN))


@pytest.fixture(scope="module")
def con(dirty, clean) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for prefix, (tables, _) in (("d", dirty), ("c", clean)):
        for name, table in tables.items():
            con.register(f"{prefix}_{name}", table)
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return con.execute(sql).fetchall()[0][0]


def assert_binomial(observed: float, trials: float, rate: float, slack: float = 3) -> None:
    """``observed`` hits out of ``trials`` Bernoulli(rate) draws, within 4 sigma."""
    expected = trials * rate
    sigma = math.sqrt(max(trials * rate * (1 - rate), 1.0))
    assert abs(observed - expected) <= 4 * sigma + slack, (
        f"observed {observed}, expected {expected:.1f}"
    )


def documented_reasons() -> set[tuple[str, str]]:
    """(raw table, reason) from the table "source | reason | rule" of docs/staging.md."""
    reasons = set()
    for line in STAGING_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "." in cells[0] and cells[1] and cells[1] != "reason":
            reasons.add((cells[0].split(".")[1], cells[1]))
    return reasons


def observed_reasons(tables: dict[str, pa.Table]) -> dict[tuple[str, str], int]:
    """Rows per (table, first failing rule of REJECTION_RULES), measured with DuckDB."""
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    counts: dict[tuple[str, str], int] = {}
    for name, rules in REJECTION_RULES.items():
        con.register(name, tables[name])
        cases = " ".join(f"when {rule} then '{reason}'" for reason, rule in rules)
        for reason, count in con.execute(
            f"select case {cases} end as reason, count(*) from {name} group by 1"
        ).fetchall():
            if reason is not None:
                counts[(name, reason)] = count
    return counts


def contract_columns() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, contract type)] in contract order, parsed from the markdown."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for line in CONTRACT.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[2] in ARROW_TYPES:
            for column in cells[1].split(","):
                columns.setdefault(cells[0], []).append((column.strip(), cells[2]))
    return columns


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_equal_tables_and_another_seed_differs() -> None:
    first = generate(GeneratorConfig(customers=300, seed=5))
    again = generate(GeneratorConfig(customers=300, seed=5))
    other = generate(GeneratorConfig(customers=300, seed=6))
    assert list(first) == list(TABLES)
    for name in TABLES:
        assert first[name].equals(again[name]), name
    for name in ("customers", "orders", "order_lines", "events", "email_events", "consent_events"):
        assert not first[name].equals(other[name]), name


def test_files_are_byte_identical_and_streaming_matches_in_memory(tmp_path: Path) -> None:
    config = GeneratorConfig(customers=400, seed=9)
    generate_to(config, tmp_path / "a")
    generate_to(config, tmp_path / "b")
    tables, manifest = generate_with_manifest(config)
    write(tables, tmp_path / "c", manifest)
    for name in [*TABLES, "_manifest"]:
        suffix = ".json" if name == "_manifest" else ".parquet"
        a = (tmp_path / "a" / f"{name}{suffix}").read_bytes()
        assert a == (tmp_path / "b" / f"{name}{suffix}").read_bytes(), name
        assert a == (tmp_path / "c" / f"{name}{suffix}").read_bytes(), name


# Row digests of the classic (lifecycle off) output at 1,000 customers, seed 3, taken from
# the single-module generator before the package split and the life-cycle code: the
# classic data must not move unless on purpose (then update these, and say so).
CLASSIC_DIGESTS = {
    "customers": "a9a6db5f32405729",
    "orders": "cf7d6d3dc383657b",
    "order_lines": "074055eb4eadbd94",
    "events": "d9a48c5a5ef521ce",
    "email_events": "eff79d4770073069",
    # moved on purpose (issue 14): sale_or_sharing grants and opt-outs appended
    "consent_events": "7c4400d4a832cb9f",
    "deletion_requests": "2000d3682b4b722d",
}


def test_classic_output_is_unchanged_by_the_lifecycle_code() -> None:
    tables = generate(GeneratorConfig(customers=1000, seed=3))
    digests = {
        name: hashlib.sha256(
            json.dumps(table.to_pylist(), default=str, sort_keys=True).encode()
        ).hexdigest()[:16]
        for name, table in tables.items()
    }
    assert digests == CLASSIC_DIGESTS


def test_end_date_moves_history_without_wall_clock() -> None:
    early = generate(GeneratorConfig(customers=200, seed=1, end_date="2020-06-30", dirt=CLEAN))
    con = duckdb.connect()
    con.register("o", early["orders"])
    first, last = con.execute(
        "select min(cast(ordered_at as timestamptz)), max(cast(ordered_at as timestamptz)) from o"
    ).fetchall()[0]
    assert str(last) <= "2020-07-01" and str(first) >= "2017-06-01"


# --------------------------------------------------------------------------- contract


def test_every_table_has_exactly_the_contract_columns_and_types(dirty) -> None:
    tables, _ = dirty
    contract = contract_columns()
    assert sorted(contract) == sorted(TABLES)
    for name, columns in contract.items():
        schema = tables[name].schema
        assert schema.names == [column for column, _ in columns], name
        for column, kind in columns:
            assert schema.field(column).type == ARROW_TYPES[kind], f"{name}.{column}"


def test_written_files_keep_the_contract_types(tmp_path: Path) -> None:
    generate_to(GeneratorConfig(customers=100, seed=2), tmp_path)
    con = duckdb.connect()
    duck = {
        "VARCHAR": "VARCHAR",
        "INTEGER": "INTEGER",
        "DOUBLE": "DOUBLE",
        "BOOLEAN": "BOOLEAN",
        "DATE": "DATE",
        "TIMESTAMP": "TIMESTAMP",
    }
    for name, columns in contract_columns().items():
        described = con.execute(f"describe select * from '{tmp_path}/{name}.parquet'").fetchall()
        assert [(row[0], row[1]) for row in described] == [(c, duck[k]) for c, k in columns], name


# --------------------------------------------------------------------------- sizes


def test_sizes_follow_the_knobs(clean, con) -> None:
    tables, _ = clean
    assert tables["customers"].num_rows == N
    buyers = scalar(con, "select count(distinct customer_id) from c_orders")
    assert 0.65 * N < buyers < 0.85 * N
    # orders_per_customer and events_per_customer are means over all customers
    assert 0.9 * 10 * N < tables["orders"].num_rows < 1.1 * 10 * N
    assert 0.9 * 50 * N < tables["events"].num_rows < 1.1 * 50 * N
    bigger = generate(
        GeneratorConfig(
            customers=N, seed=SEED, orders_per_customer=20, events_per_customer=100, dirt=CLEAN
        )
    )
    assert 1.7 < bigger["orders"].num_rows / tables["orders"].num_rows < 2.3
    assert 1.7 < bigger["events"].num_rows / tables["events"].num_rows < 2.3
    double = generate(GeneratorConfig(customers=2 * N, seed=SEED, dirt=CLEAN))
    assert double["customers"].num_rows == 2 * N
    assert 1.8 < double["orders"].num_rows / tables["orders"].num_rows < 2.2


def test_manifest_counts_rows_and_injected_dirt(dirty) -> None:
    tables, manifest = dirty
    assert manifest["seed"] == SEED and manifest["customers"] == N
    assert manifest["dirt_rates"] == dataclasses.asdict(TEST_RATES)
    assert manifest["rows"] == {name: table.num_rows for name, table in tables.items()}
    for table in ("customers", "orders", "events"):
        for kind in ("exact_duplicates", "null_keys", "late_arriving"):
            assert manifest["injected"][table][kind] > 0, (table, kind)
    # each null_keys hit nulls one of the three ids; exact copies may copy such a row
    assert (
        sum(
            tables["events"].column(c).null_count
            for c in ("event_id", "anonymous_id", "session_id")
        )
        >= manifest["injected"]["events"]["null_keys"]
    )
    for kind in dataclasses.asdict(TEST_RATES):
        assert any(kind in manifest["injected"][table] for table in TABLES), kind


# --------------------------------------------------------------------------- shapes


def test_shapes_are_realistic(clean, con) -> None:
    # heavy-tailed spend: the top 1% of customers hold far more than 1% of revenue
    top_share = scalar(
        con,
        """
        with spend as (select customer_id, sum(amount) as s from c_orders group by 1)
        select sum(s) filter (where s >= (select quantile_cont(s, 0.99) from spend)) / sum(s) from spend""",
    )
    assert top_share > 0.05
    # November + December (two months) much busier than February + March
    peak = scalar(
        con,
        """select count(*) filter (where substr(ordered_at, 6, 2) in ('11', '12'))
                          / count(*) filter (where substr(ordered_at, 6, 2) in ('02', '03')) from c_orders""",
    )
    assert peak > 1.3
    # weekends busier than weekdays (per day)
    weekend = scalar(
        con,
        """select (count(*) filter (where isodow(occurred_at) >= 6) / 2)
                             / (count(*) filter (where isodow(occurred_at) < 6) / 5) from c_events""",
    )
    assert weekend > 1.1
    # status mix: mostly completed, ~5 % refunded, ~3 % cancelled
    shares = dict(
        con.execute(
            "select lower(status), count(*) / sum(count(*)) over () from c_orders group by 1"
        ).fetchall()
    )
    assert (
        shares["completed"] > 0.88
        and 0.03 < shares["refunded"] < 0.07
        and 0.015 < shares["cancelled"] < 0.045
    )
    devices = dict(
        con.execute("""select device, count(*) / sum(count(*)) over ()
                                  from (select distinct anonymous_id, device from c_events) group by 1""").fetchall()
    )
    assert (
        0.48 < devices["mobile"] < 0.62
        and 0.28 < devices["desktop"] < 0.42
        and 0.05 < devices["tablet"] < 0.15
    )
    assert scalar(con, "select count(distinct channel) from c_events") == 6
    assert scalar(con, "select count(distinct upper(currency)) from c_orders") == 3
    loyal = scalar(con, "select avg(is_loyalty_member::int) from c_customers")
    assert 0.25 < loyal < 0.35
    assert (
        scalar(
            con,
            "select count(*) from c_customers where is_loyalty_member <> (loyalty_tier is not null)",
        )
        == 0
    )
    # funnel: carts are abandoned, fewer purchases than checkouts than carts
    funnel = dict(
        con.execute(
            "select event_type, count(distinct session_id) from c_events group by 1"
        ).fetchall()
    )
    assert funnel["page_view"] > funnel["add_to_cart"] > funnel["checkout"] > funnel["purchase"] > 0
    assert 0.3 < funnel["purchase"] / funnel["add_to_cart"] < 0.6
    # email: opens well below sends, clicks well below opens
    email = dict(
        con.execute("select event_type, count(*) from c_email_events group by 1").fetchall()
    )
    assert email["send"] > 3 * email["open"] > 3 * email["click"] > 0
    # consent: grants, some revoked; deletion requests from ~0.5 % of customers
    consent = dict(
        con.execute("select status, count(*) from c_consent_events group by 1").fetchall()
    )
    assert 0.05 < consent["revoked"] / consent["granted"] < 0.25
    assert 0.002 * N < scalar(con, "select count(*) from c_deletion_requests") < 0.01 * N
    # churn: customers whose activity stops well before the end of history
    stopped = scalar(
        con,
        """select count(*) from (select customer_id, max(occurred_at) as last from c_events
                             where customer_id is not null group by 1) where last < date '2026-04-30'""",
    )
    assert stopped > 0.1 * N


def test_devices_browse_anonymously_then_log_in(con) -> None:
    per_customer = scalar(
        con,
        """select avg(devices) from (select customer_id, count(distinct anonymous_id)
                                  as devices from c_events where customer_id is not null group by 1)""",
    )
    assert 1.2 < per_customer < 2.0
    # on a device, every anonymous event precedes every logged-in one
    violations = scalar(
        con,
        """
        select count(*) from (select anonymous_id,
            max(occurred_at) filter (where customer_id is null) as last_anonymous,
            min(occurred_at) filter (where customer_id is not null) as first_known
            from c_events group by 1) where last_anonymous > first_known""",
    )
    assert violations == 0
    both = scalar(
        con,
        """select count(*) from (select anonymous_id from c_events group by 1
                          having count(*) filter (where customer_id is null) > 0
                             and count(*) filter (where customer_id is not null) > 0)""",
    )
    assert both > 0.2 * N
    assert 0.1 < scalar(con, "select avg((customer_id is null)::int) from c_events") < 0.9


def test_iso_strings_parse_and_time_zones_vary(con) -> None:
    for table, column in (
        ("customers", "signup_at"),
        ("orders", "ordered_at"),
        ("email_events", "occurred_at"),
        ("consent_events", "occurred_at"),
        ("deletion_requests", "requested_at"),
    ):
        unparsed = scalar(
            con,
            f"""select count(*) from c_{table} where not regexp_full_match({column},
            '\\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d([+-]\\d\\d:\\d\\d|Z)')
            or try_cast({column} as timestamptz) is null""",
        )
        assert unparsed == 0, table
    offsets = {
        row[0]
        for row in con.execute(
            "select distinct regexp_extract(ordered_at, '([+-]\\d\\d:\\d\\d|Z)$') from c_orders"
        ).fetchall()
    }
    assert {"Z", "+00:00", "-05:00", "-08:00", "+01:00", "+05:30", "+09:00"} <= offsets
    assert scalar(con, "select count(distinct utc_offset_minutes) from c_events") == 7
    # the offset is the customer's: local wall clock - offset = UTC, consistent with the load time
    assert (
        scalar(
            con,
            """select count(*) from c_events
                          where occurred_at - to_minutes(utc_offset_minutes) > _loaded_at""",
        )
        == 0
    )


def test_clean_data_is_consistent_in_time(con) -> None:
    assert (
        scalar(
            con, "select count(*) from c_orders where cast(ordered_at as timestamptz) > _loaded_at"
        )
        == 0
    )
    assert scalar(con, "select count(*) from c_orders where updated_at > _loaded_at") == 0
    assert scalar(con, "select max(_loaded_at) from c_events") <= scalar(
        con, "select timestamp '2026-10-31 23:59:59'"
    )
    # orders fall after the customer's sign-up (history of ~3 years)
    assert (
        scalar(
            con,
            """select count(*) from c_orders o join c_customers c using (customer_id)
                          where cast(o.ordered_at as timestamptz) < cast(c.signup_at as timestamptz)""",
        )
        == 0
    )
    first = scalar(con, "select min(cast(signup_at as timestamptz)) from c_customers")
    assert str(first) >= "2023-10-01"


def test_order_lines_add_up_to_the_order_amount(clean, con) -> None:
    worst = scalar(
        con,
        """
        select max(abs(o.amount - l.total) - 0.005 * l.units)
        from c_orders as o
        join (select order_id, sum(quantity * unit_price) as total, sum(quantity) as units, count(*) as lines
              from c_order_lines group by 1) as l using (order_id)""",
    )
    assert worst <= 1e-6
    lines = con.execute(
        "select min(n), max(n) from (select count(*) as n from c_order_lines group by order_id)"
    ).fetchall()[0]
    assert lines == (1, 5)
    assert (
        scalar(
            con,
            "select count(*) from c_orders where order_id not in (select order_id from c_order_lines)",
        )
        == 0
    )


# --------------------------------------------------------------------------- dirt


def test_clean_data_has_no_dirt(clean, con) -> None:
    tables, manifest = clean
    assert all(count == 0 for counts in manifest["injected"].values() for count in counts.values())
    assert observed_reasons(tables) == {}
    for table, key in (
        ("customers", "customer_id"),
        ("orders", "order_id"),
        ("events", "event_id"),
    ):
        assert scalar(con, f"select count(*) - count(distinct {key}) from c_{table}") == 0, table
        assert scalar(con, f"select count(*) - count(distinct c_{table}) from c_{table}") == 0, (
            table
        )
    assert (
        scalar(
            con,
            f"""select count(*) from c_customers
                           where email is not null and not regexp_full_match(lower(trim(email)), '{EMAIL_RE}')""",
        )
        == 0
    )
    assert (
        scalar(
            con,
            """select count(*) from c_customers where birth_date < date '1900-01-01'
                          or birth_date > date '2026-10-31' or age < 0 or age > 120""",
        )
        == 0
    )
    assert scalar(con, "select count(*) from c_orders where amount <= 0") == 0
    assert (
        scalar(
            con,
            """select count(*) from c_orders where lower(status) not in ('completed', 'refunded', 'cancelled')
                          or upper(currency) not in ('USD', 'EUR', 'GBP')""",
        )
        == 0
    )
    assert (
        scalar(
            con,
            """select count(*) from c_events where event_type not in
                          ('page_view', 'product_view', 'add_to_cart', 'checkout', 'purchase')""",
        )
        == 0
    )
    assert (
        scalar(con, "select count(*) from c_orders where _loaded_at > updated_at + interval 2 day")
        == 0
    )
    assert (
        scalar(
            con,
            """select count(*) from (select lower(trim(email)) from c_customers where email is not null
                          group by 1 having count(distinct customer_id) > 1)""",
        )
        == 0
    )
    assert (
        scalar(
            con,
            """select count(*) from (select customer_id from c_customers group by 1
                          having count(distinct email) > 1)""",
        )
        == 0
    )


def test_every_dirt_kind_is_present_at_its_rate(dirty, con) -> None:
    rates = TEST_RATES
    base = N  # clean CRM rows before dirt

    def rows(table: str, where: str = "true") -> int:
        """Rows of a dirty table, not counting the exact copies (they are measured apart)."""
        return scalar(con, f"select count(*) from (select distinct * from d_{table} where {where})")

    # customers
    assert_binomial(
        rows(
            "customers",
            f"email is not null and not regexp_full_match(lower(trim(email)), '{EMAIL_RE}')",
        ),
        base,
        rates.invalid_emails,
    )
    # later versions copy a person's age, so count people, not rows (null ids drop a few)
    impossible = scalar(
        con,
        f"""select count(distinct customer_id) from d_customers
        where (birth_date < date '1900-01-01' or birth_date > date '2026-10-31' or age < 0 or age > 120)
          and cast(substr(customer_id, 2) as int) < {N}""",
    )
    assert_binomial(impossible, base, rates.impossible_ages, slack=base * rates.null_keys + 3)
    near = scalar(
        con,
        """select count(*) from (select customer_id from d_customers where customer_id is not null
                          group by 1 having count(distinct email) > 1 and count(distinct lower(trim(email))) = 1)""",
    )
    assert_binomial(near, base * 0.98, rates.near_duplicate_emails, slack=5)
    shared = scalar(
        con,
        """
        with people as (select distinct customer_id, lower(trim(email)) as email, phone from d_customers
                        where customer_id is not null)
        select count(*) from (
            select email from people where email is not null group by 1 having count(distinct customer_id) > 1
            union all
            select phone from people where phone is not null group by 1 having count(distinct customer_id) > 1)""",
    )
    assert_binomial(shared, base, rates.multi_identifier_persons, slack=5)
    second_ids = scalar(
        con,
        f"""select count(distinct customer_id) from d_orders
                                where customer_id is not null and cast(substr(customer_id, 2) as int) >= {N}""",
    )
    assert second_ids >= 0.9 * shared
    crm_rows = rows("customers")
    assert_binomial(rows("customers", "customer_id is null"), crm_rows, rates.null_keys)
    assert_binomial(
        rows("customers", "_loaded_at > updated_at + interval 2 day"),
        rows("customers", "updated_at < timestamp '2026-10-01'"),
        rates.late_arriving,
    )

    # orders
    orders = rows("orders")
    assert_binomial(rows("orders", "amount <= 0"), orders, rates.non_positive_amounts)
    # non-positive amounts sit on completed orders (unless unknown_enums then hit the status too)
    assert (
        scalar(
            con,
            """select count(*) from d_orders
                          where amount <= 0 and status not in ('completed', 'shipped?')""",
        )
        == 0
    )
    assert_binomial(
        rows("orders", "status = 'shipped?' or currency = 'XYZ'"), orders, rates.unknown_enums
    )
    assert_binomial(
        rows(
            "orders",
            """lower(status) not in ('completed', 'refunded', 'cancelled')
                                      or upper(currency) not in ('USD', 'EUR', 'GBP')""",
        ),
        orders,
        rates.unknown_enums,
    )
    assert_binomial(
        rows("orders", "try_cast(ordered_at as timestamptz) > _loaded_at"),
        orders,
        rates.future_timestamps,
    )
    assert_binomial(
        rows("orders", "_loaded_at > updated_at + interval 2 day"),
        rows("orders", "updated_at < timestamp '2026-10-01'"),
        rates.late_arriving,
    )
    assert_binomial(
        rows("orders", "order_id is null or (customer_id is null and customer_email is null)"),
        orders,
        rates.null_keys,
    )

    # events
    # (an offset sent in seconds, unparseable_timestamps, moves UTC by days: left out)
    events = rows("events")
    sane = "abs(utc_offset_minutes) <= 840"
    assert_binomial(rows("events", "event_type = 'scroll_depth?'"), events, rates.unknown_enums)
    assert_binomial(
        rows("events", f"{EVENT_UTC} > _loaded_at and {sane}"), events, rates.future_timestamps
    )
    assert_binomial(
        rows(
            "events",
            f"_loaded_at > {EVENT_UTC} + interval 2 day and year(occurred_at) < 2030 and {sane}",
        ),
        rows("events", f"{EVENT_UTC} < timestamp '2026-10-01'"),
        rates.late_arriving,
    )
    assert_binomial(
        rows("events", "event_id is null or anonymous_id is null or session_id is null"),
        events,
        rates.null_keys,
    )

    # exact copies, per table
    for table in ("customers", "orders", "events"):
        copies = scalar(con, f"select count(*) - count(distinct d_{table}) from d_{table}")
        assert_binomial(copies, rows(table) + 0.0, rates.exact_duplicates, slack=5)


# The generic kinds on the tables they were extended to, measured on the data:
# (table, kind, SQL predicate of a hit row).
GENERIC_DIRT = [
    ("customers", "future_timestamps", "try_cast(signup_at as timestamptz) > _loaded_at"),
    ("customers", "unparseable_timestamps", "try_cast(signup_at as timestamptz) is null"),
    ("customers", "unknown_enums", "gender = 'M/F?'"),
    ("orders", "unparseable_timestamps", "try_cast(ordered_at as timestamptz) is null"),
    ("order_lines", "null_keys", "order_line_id is null or order_id is null or product_id is null"),
    ("order_lines", "non_positive_amounts", "quantity <= 0 or unit_price < 0"),
    ("events", "unparseable_timestamps", "occurred_at is null or abs(utc_offset_minutes) > 840"),
    ("email_events", "null_keys", "email_event_id is null or customer_id is null"),
    ("email_events", "future_timestamps", "try_cast(occurred_at as timestamptz) > _loaded_at"),
    ("email_events", "unparseable_timestamps", "try_cast(occurred_at as timestamptz) is null"),
    ("email_events", "unknown_enums", "event_type = 'bounced?'"),
    ("consent_events", "null_keys", "consent_event_id is null or customer_id is null"),
    ("consent_events", "future_timestamps", "try_cast(occurred_at as timestamptz) > _loaded_at"),
    ("consent_events", "unparseable_timestamps", "try_cast(occurred_at as timestamptz) is null"),
    ("consent_events", "unknown_enums", "purpose = 'newsletter?' or status = 'pending?'"),
]


@pytest.mark.parametrize(("table", "kind", "predicate"), GENERIC_DIRT)
def test_generic_dirt_reaches_every_table_at_its_rate(con, table, kind, predicate) -> None:
    trials = scalar(con, f"select count(*) from (select distinct * from d_{table})")
    hits = scalar(con, f"select count(*) from (select distinct * from d_{table} where {predicate})")
    # a later kind can overwrite the same column (future, then unparseable): 2 % slack
    assert_binomial(hits, trials, getattr(TEST_RATES, kind), slack=3 + 0.02 * hits)
    assert scalar(con, f"select count(*) from c_{table} where {predicate}") == 0


def test_tiny_tables_get_at_least_one_row_per_target(con) -> None:
    # ~10 deletion requests at 3 %: the rate alone would usually hit none
    assert scalar(con, "select count(*) from d_deletion_requests where request_id is null") >= 1
    assert (
        scalar(
            con,
            """select count(*) from d_deletion_requests
                          where customer_id is null and email is null""",
        )
        >= 1
    )
    assert scalar(con, "select count(*) from c_deletion_requests where request_id is null") == 0


def test_every_quarantine_reason_fires_on_dirty_data_and_none_on_clean(dirty, clean) -> None:
    documented = documented_reasons()
    assert len(documented) == 37
    generated = {
        (table, target.reason)
        for per_table in DIRT_TARGETS.values()
        for table, targets in per_table.items()
        for target in targets
    }
    assert generated | {("customers", "invalid_email"), ("customers", "impossible_age")} == (
        documented
    )
    assert set(observed_reasons(dirty[0])) == documented
    assert observed_reasons(clean[0]) == {}


def test_default_rates_exercise_every_reason_on_the_make_test_data() -> None:
    # make test: 3000 customers, seed 7, default rates; a few rows per reason, and the
    # floor's single row per target on the ~15 deletion requests
    counts = observed_reasons(generate(GeneratorConfig(customers=3000, seed=7)))
    assert set(counts) == documented_reasons()
    for (table, reason), count in counts.items():
        assert count >= (1 if table == "deletion_requests" else 5), (table, reason, count)


@pytest.mark.parametrize("kind", GENERIC_KINDS)
def test_each_generic_kind_trips_exactly_its_reasons(kind: str) -> None:
    only = DirtRates().override(["all=0", f"{kind}=0.02"])
    counts = observed_reasons(generate(GeneratorConfig(customers=1000, seed=4, dirt=only)))
    expected = {
        (table, target.reason)
        for table, targets in DIRT_TARGETS[kind].items()
        for target in targets
    }
    assert set(counts) == expected


def test_each_rate_is_independent_and_zero_means_absent() -> None:
    only_nulls = DirtRates().override(["all=0", "null_keys=0.05"])
    tables, manifest = generate_with_manifest(
        GeneratorConfig(customers=500, seed=4, dirt=only_nulls)
    )
    injected = manifest["injected"]
    assert injected["orders"]["null_keys"] > 0
    assert all(
        count == 0
        for counts in injected.values()
        for kind, count in counts.items()
        if kind != "null_keys"
    )
    con = duckdb.connect()
    con.register("o", tables["orders"])
    nulled = scalar(
        con,
        "select count(*) from o where order_id is null or (customer_id is null and customer_email is null)",
    )
    assert nulled == injected["orders"]["null_keys"]
    assert {reason for _, reason in observed_reasons(tables)} <= {
        target.reason for targets in DIRT_TARGETS["null_keys"].values() for target in targets
    }
    assert tables["customers"].num_rows == 500


# --------------------------------------------------------------------------- CLI


def test_cli_writes_every_table_and_the_manifest(tmp_path: Path) -> None:
    code = main(
        [
            "--customers",
            "200",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--dirt",
            "all=0",
            "null_keys=0.05",
            "--events-per-customer",
            "20",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{t}.parquet" for t in TABLES] + ["_manifest.json"]
    )
    manifest = json.loads((tmp_path / "_manifest.json").read_text())
    assert (
        manifest["dirt_rates"]["null_keys"] == 0.05
        and manifest["dirt_rates"]["invalid_emails"] == 0
    )
    assert manifest["events_per_customer"] == 20
    con = duckdb.connect()
    for name in TABLES:
        rows = con.execute(f"select count(*) from '{tmp_path}/{name}.parquet'").fetchall()[0][0]
        assert manifest["rows"][name] == rows, name


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown dirt kind 'typo'"):
        DirtRates().override(["typo=0.1"])
    with pytest.raises(ValueError, match="between 0 and 1"):
        DirtRates().override(["null_keys=2"])
    with pytest.raises(SystemExit):
        main(["--customers", "0"])
    with pytest.raises(SystemExit):
        main(["--dirt", "nonsense"])


def test_phone_digits_are_distinct_ten_digit_numbers_and_seeded():
    import numpy as np

    from segkit.generate.people import unique_phone_digits

    digits = unique_phone_digits(np.random.default_rng(3), 200_000)
    assert len(np.unique(digits)) == len(digits)
    assert digits.min() >= 2_000_000_000 and digits.max() <= 9_999_999_999
    again = unique_phone_digits(np.random.default_rng(3), 200_000)
    other = unique_phone_digits(np.random.default_rng(4), 200_000)
    assert (digits == again).all() and not (digits == other).all()
