"""Staging without the optional sources, and deletion on the next build.

Builds the staging and identity layers of the dbt project on a raw folder holding
only the two required tables (customers, orders), then adds a deletion request and
builds again. Slow-ish (two dbt builds, ~1 min); needs the project's dbt venv.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from segkit.tests.faults.harness import copy_project

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
SELECTION = ["--select", "path:models/staging", "path:models/intermediate/identity"]
OPTIONAL_STAGING_MODELS = {
    "stg_shop__order_lines": {"order_line_id": "VARCHAR", "quantity": "INTEGER"},
    "stg_web__events": {"event_id": "VARCHAR", "occurred_at": "TIMESTAMP", "occurred_date": "DATE"},
    "stg_email__events": {"email_event_id": "VARCHAR", "occurred_at": "TIMESTAMP"},
    "stg_crm__consent_events": {"consent_event_id": "VARCHAR", "is_granted": "BOOLEAN"},
    "stg_crm__deletion_requests": {"request_id": "VARCHAR", "requested_at": "TIMESTAMP"},
}


def write_required_sources(raw: Path) -> None:
    """Three customers (two sharing an email, so one person) and their orders."""
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select * from (values
                ('c1', 'Ann@Example.com', '+44 20 7946 0001', 'Ann', 'Lee', date '1990-01-01', null::integer,
                 'female', 'low', 'gb', 'r', 'x', '2025-01-01 10:00:00+02:00', true, 'gold',
                 timestamp '2026-01-01', timestamp '2026-02-01'),
                ('c2', 'bob@example.com', null, 'Bob', 'Ray', null, 40,
                 'male', 'high', 'us', 'r', 'y', '2025-02-01 10:00:00Z', false, null,
                 timestamp '2026-01-01', timestamp '2026-02-01'),
                ('c3', ' ann@example.com ', null, 'Ann', 'Lee', null, 35,
                 'female', 'low', 'gb', 'r', 'x', '2025-03-01 10:00:00Z', false, null,
                 timestamp '2026-01-02', timestamp '2026-02-01')
            ) as t(customer_id, email, phone, first_name, last_name, birth_date, age, gender, income_band,
                   country_code, region, city, signup_at, is_loyalty_member, loyalty_tier, updated_at, _loaded_at)
        ) to '{raw / "customers.parquet"}' (format parquet)
        """
    )
    con.execute(
        f"""
        copy (
            select * from (values
                ('o1', 'c1', null, '2026-01-10 10:00:00Z', 10.0, 'usd', 'completed', 'web',
                 timestamp '2026-01-10', timestamp '2026-02-01'),
                ('o2', 'c2', null, '2026-01-11 10:00:00Z', 20.0, 'eur', 'refunded', 'app',
                 timestamp '2026-01-11', timestamp '2026-02-01'),
                ('o3', null, 'BOB@example.com', '2026-01-12 10:00:00Z', 30.0, 'gbp', 'completed', 'store',
                 timestamp '2026-01-12', timestamp '2026-02-01')
            ) as t(order_id, customer_id, customer_email, ordered_at, amount, currency, status,
                   sales_channel, updated_at, _loaded_at)
        ) to '{raw / "orders.parquet"}' (format parquet)
        """
    )


def write_deletion_request(raw: Path, email: str) -> None:
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select 'r1' as request_id, null::varchar as customer_id, '{email}' as email,
                '2026-01-20 00:00:00Z' as requested_at, timestamp '2026-02-01' as _loaded_at
        ) to '{raw / "deletion_requests.parquet"}' (format parquet)
        """
    )


def dbt_build(tmp: Path, raw: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SEG_RAW_PATH": str(raw),
        "SEG_DUCKDB_PATH": str(tmp / "db.duckdb"),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
    }
    return subprocess.run(
        [str(DBT), "build", *SELECTION, "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )


def column_types(con: duckdb.DuckDBPyConnection, model: str) -> dict[str, str]:
    rows = con.execute(f"describe staging.{model}").fetchall()
    return {row[0]: row[1] for row in rows}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not DBT.exists():
        pytest.skip("dbt is not installed in this environment")
    tmp = tmp_path_factory.mktemp("staging")
    raw = tmp / "raw"
    raw.mkdir()
    write_required_sources(raw)
    result = dbt_build(tmp, raw)
    assert result.returncode == 0, result.stdout[-4000:]
    return tmp, raw


def test_missing_optional_sources_stage_empty_and_typed(built: tuple[Path, Path]) -> None:
    tmp, _ = built
    con = duckdb.connect(str(tmp / "db.duckdb"), read_only=True)
    for model, expected_types in OPTIONAL_STAGING_MODELS.items():
        assert con.execute(f"select count(*) from staging.{model}").fetchone() == (0,)
        types = column_types(con, model)
        assert {name: types[name] for name in expected_types} == expected_types


def test_records_sharing_an_email_resolve_to_one_person(built: tuple[Path, Path]) -> None:
    tmp, _ = built
    con = duckdb.connect(str(tmp / "db.duckdb"), read_only=True)
    people = con.execute(
        "select customer_id, count_crm_records from intermediate.int_customers__resolved order by 1"
    ).fetchall()
    assert people == [("c1", 2), ("c2", 1)]
    orders = con.execute(
        "select order_id, customer_id from intermediate.int_orders__resolved order by 1"
    ).fetchall()
    assert orders == [("o1", "c1"), ("o2", "c2"), ("o3", "c2")]


@pytest.fixture(scope="module")
def deleted(built: tuple[Path, Path]) -> Path:
    """The database after a second build that honours a deletion request for Bob
    (by email, in another case and with spaces)."""
    tmp, raw = built
    write_deletion_request(raw, " Bob@Example.com ")
    result = dbt_build(tmp, raw)
    assert result.returncode == 0, result.stdout[-4000:]
    return tmp / "db.duckdb"


def text_columns_with(con: duckdb.DuckDBPyConnection, columns_where: str, value_where: str) -> list[str]:
    """'schema.table.column: rows' for every text column (information_schema.columns
    filtered by ``columns_where``) holding a value matching ``value_where``, a
    predicate on the column written as {column}."""
    text_columns = con.execute(
        f"""
        select table_schema, table_name, column_name
        from information_schema.columns
        where data_type = 'VARCHAR' and {columns_where}
        """
    ).fetchall()
    assert len(text_columns) > 20
    found = []
    for schema, table, column in text_columns:
        predicate = value_where.format(column=f'"{column}"')
        hits = con.execute(f'select count(*) from "{schema}"."{table}" where {predicate}').fetchone()[0]
        if hits:
            found.append(f"{schema}.{table}.{column}: {hits}")
    return found


def test_deletion_request_removes_person_on_next_build(deleted: Path) -> None:
    con = duckdb.connect(str(deleted), read_only=True)
    people = con.execute("select customer_id from intermediate.int_customers__resolved").fetchall()
    orders = con.execute("select order_id from intermediate.int_orders__resolved order by 1").fetchall()
    audit = dict(
        con.execute(
            "select entity, count_rows_removed from intermediate.int_identity__deletion_audit"
        ).fetchall()
    )
    assert people == [("c1",)]
    assert orders == [("o1",)]
    assert audit["persons"] == 1 and audit["orders"] == 2


def test_deletion_erases_raw_pii_from_every_table_but_the_request(deleted: Path) -> None:
    """After the build that honours Bob's request, no table or view holds his raw
    email, phone or name, except the request itself; Ann keeps hers."""
    con = duckdb.connect(str(deleted), read_only=True)
    found = text_columns_with(
        con, "table_name <> 'base_crm__deletion_requests'", "lower({column}) similar to '.*(bob|ray).*'"
    )
    assert found == []
    ann = con.execute(
        "select email_raw, first_name from staging.base_crm__customers where customer_id = 'c1'"
    ).fetchall()
    assert ann == [("Ann@Example.com", "Ann")]


def test_deletion_leaves_no_id_or_hash_of_the_person_downstream_of_staging(deleted: Path) -> None:
    """Identity tables (edges, components, the list of deleted persons) lose Bob too:
    no intermediate or mart table holds his CRM id (c2), his guest order (o3) or a
    node of his; Ann's nodes stay."""
    con = duckdb.connect(str(deleted), read_only=True)
    found = text_columns_with(
        con,
        "table_schema in ('intermediate', 'marts')",
        "{column} in ('c2', 'customer:c2', 'o3', 'order:o3')",
    )
    assert found == []
    nodes = con.execute(
        "select count(*) from intermediate.int_identity__components where customer_id = 'c1'"
    ).fetchone()[0]
    assert nodes >= 3


def run_dbt(project: Path, database: Path, raw: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` on `database` from `project` (the project or a copy of it)."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEG_RAW_PATH": str(raw),
        "SEG_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(database.parent / "target" / project.name),
        "DBT_LOG_PATH": str(database.parent / "logs"),
        "SEG_TARGET": "duckdb",
    }
    return subprocess.run([str(DBT), *args], cwd=project, env=env, capture_output=True, text=True, check=False)


def bob_and_pending(database: Path) -> tuple[list[tuple], int]:
    """Bob's CRM record's raw PII in the base table, and the rows of the erasure log."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        pii = con.execute(
            "select email_raw, first_name, last_name from staging.base_crm__customers where customer_id = 'c2'"
        ).fetchall()
        pending = con.execute("select count(*) from main._segkit_erasure_pending").fetchone()[0]
        return pii, pending
    finally:
        con.close()


def test_erasure_left_by_a_killed_run_is_done_by_the_next_run_whatever_it_selects(
    deleted: Path, tmp_path: Path
) -> None:
    """The on-run-end erasure is skipped by runs that build none of the tables it
    reads or changes (macros/staging/erasure_pending.sql), but never when the last
    run wrote one and died before erasing. A copy of the project whose first
    on-run-end hook fails stands for the killed run (dbt skips every later hook):
    it re-reads Bob's CRM record from the raw file. The next run builds only a
    consent view and still erases him; a run after that skips the erasure."""
    database = tmp_path / "db.duckdb"
    shutil.copy2(deleted, database)
    raw = deleted.parent / "raw"
    assert bob_and_pending(database) == ([(None, None, None)], 0)

    project = copy_project(tmp_path / "killed")
    settings = project / "dbt_project.yml"
    text = settings.read_text()
    assert text.count("\non-run-end:\n") == 1
    settings.write_text(text.replace(
        "\non-run-end:\n",
        "\non-run-end:\n  - \"{% if execute %}{{ exceptions.raise_compiler_error('killed here') }}{% endif %}\"\n",
    ))
    killed = run_dbt(project, database, raw, ["run", "--select", "base_crm__customers", "--full-refresh"])
    assert killed.returncode != 0 and "killed here" in killed.stdout, killed.stdout[-3000:]
    assert bob_and_pending(database) == ([("bob@example.com", "Bob", "Ray")], 1)

    after = run_dbt(PROJECT_DIR, database, raw, ["run", "--select", "stg_crm__consent_events"])
    assert after.returncode == 0, after.stdout[-3000:]
    assert bob_and_pending(database) == ([(None, None, None)], 0)

    # Nothing pending: the same selection skips the erasure, so values written
    # behind dbt's back stay, though the erasure would find them by the request's
    # email (a build of a table the erasure touches would erase them).
    con = duckdb.connect(str(database))
    con.execute(
        "update staging.base_crm__customers set email_normalized = 'bob@example.com', first_name = 'Bob'"
        " where customer_id = 'c2'"
    )
    con.close()
    skipped = run_dbt(PROJECT_DIR, database, raw, ["run", "--select", "stg_crm__consent_events"])
    assert skipped.returncode == 0, skipped.stdout[-3000:]
    assert bob_and_pending(database) == ([(None, "Bob", None)], 0)
