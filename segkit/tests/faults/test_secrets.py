"""Fault family: the PII salt must stay secret.

The salt (env SEG_PII_SALT) reaches DuckDB through the dbt-duckdb plugin
segkit.dbt_plugins.pii_salt as a session variable, and Snowflake through a secure
function created outside dbt (segkit.snowflake_secrets). Before the fix it was
written literally into compiled SQL, manifest.json, run_results.json, dbt.log and
the staging view definitions, a salt with a quote broke the build, and an unset
salt warned nowhere.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from segkit.dbt_plugins.pii_salt import DEMO_SALT, resolve_salt, set_salt_variables
from segkit.snowflake_secrets import (
    create_emulator_salt_macro,
    create_salt_function_sql,
    salt_function_name,
)
from segkit.tests.faults.harness import PROJECT_DIR, clean_tables, dbt_build, write_raw

# Quotes, a backslash, Snowflake's $$ and a distinctive marker to grep for.
SALT = "S4lt'Marker\"QX7\\$$end"
MARKER = "Marker\"QX7"


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_raw(tmp_path_factory.mktemp("raw"), clean_tables())


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, raw: Path):
    return dbt_build(tmp_path_factory.mktemp("secret-build"), raw, env={"SEG_PII_SALT": SALT})


def test_build_with_any_salt_string_passes(build) -> None:
    assert build.ok, "\n".join(build.failures()) or build.output[-3000:]
    assert "SEG_PII_SALT is not set" not in build.output


def test_salt_is_in_no_artifact_log_or_database_file(build) -> None:
    leaks = []
    for path in build.folder.rglob("*"):
        if path.is_file() and MARKER.encode() in path.read_bytes():
            leaks.append(str(path.relative_to(build.folder)))
    assert leaks == []
    assert MARKER not in build.output


def test_salt_is_in_no_view_definition(build) -> None:
    rows = build.query(
        "select view_name from duckdb_views() where sql like '%QX7%'"
    )
    assert rows == []
    definitions = build.query(
        "select sql from duckdb_views() where view_name = 'stg_crm__customers'"
    )
    assert "getvariable('seg_pii_salt')" in definitions[0][0]


def test_hashes_use_the_salt(build) -> None:
    """The salt is really applied: a stored hash equals sha256(salt || email)."""
    email, customer_id = build.query(
        "select email_normalized, customer_id from staging.base_crm__customers"
        " where record_outcome = 'kept' and email_normalized is not null"
        " order by customer_id limit 1"
    )[0]
    stored = build.query(
        "select email_hash from intermediate.int_customers__resolved"
        f" where customer_id = '{customer_id}'"
    )
    expected = hashlib.sha256((SALT + email).encode()).hexdigest()
    assert stored and stored[0][0] == expected


def test_view_read_without_the_plugin_gives_no_hash(build) -> None:
    """A read-only reader of the staging view never sees (nor can compute) the salt."""
    assert build.query("select count(email_hash) from staging.stg_crm__customers") == [(0,)]


def test_unset_salt_warns(tmp_path: Path, raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEG_PII_SALT", raising=False)
    seed = dbt_build(tmp_path, raw, command="seed")
    assert seed.ok, seed.output[-2000:]
    assert "SEG_PII_SALT is not set" in seed.output


def test_profile_without_the_plugin_fails_closed(tmp_path: Path, raw: Path) -> None:
    profile = (PROJECT_DIR / "profiles.yml.example").read_text()
    line = "        - module: segkit.dbt_plugins.pii_salt\n"
    assert line in profile
    profiles_dir = tmp_path / "profiles"
    profiles_dir.mkdir()
    (profiles_dir / "profiles.yml").write_text(profile.replace(line, ""))
    seed = dbt_build(
        tmp_path, raw, command="seed", args=["--profiles-dir", str(profiles_dir)],
        env={"SEG_PII_SALT": SALT},
    )
    assert not seed.ok
    assert "seg_pii_salt is not set" in seed.output
    assert "profiles.yml.example" in seed.output


def test_plugin_sets_the_variable_on_connections_and_cursors() -> None:
    con = duckdb.connect()
    set_salt_variables(con, {"SEG_PII_SALT": SALT})
    both = "select getvariable('seg_pii_salt'), getvariable('seg_pii_salt_is_default')"
    assert con.execute(both).fetchall() == [(SALT, False)]
    cursor = con.cursor()
    # DuckDB variables do not carry over to cursors: why the plugin sets both
    assert cursor.execute("select getvariable('seg_pii_salt')").fetchall() == [(None,)]
    set_salt_variables(cursor, {})
    assert cursor.execute(both).fetchall() == [(DEMO_SALT, True)]
    assert resolve_salt({"SEG_PII_SALT": ""}) == (DEMO_SALT, True)


def test_snowflake_function_sql_holds_no_plain_salt() -> None:
    sql = create_salt_function_sql("DB.SCHEMA.seg_pii_salt", SALT)
    assert "secure function" in sql
    assert MARKER not in sql and "'" + SALT not in sql
    assert SALT.encode().hex() in sql
    assert salt_function_name("DB", "SCHEMA") == "DB.SCHEMA.seg_pii_salt"


def test_emulator_salt_function_hashes_like_duckdb(tmp_path: Path) -> None:
    """Under fakesnow, the compiled Snowflake expression sha2(<fn>() || x, 256)
    gives the same hash as Python."""
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector

    with fakesnow.patch(db_path=str(tmp_path)):
        with snowflake.connector.connect(database="SEGMENTATION", schema="ANALYTICS") as conn:
            cursor = conn.cursor()
            cursor.execute("create database if not exists SEGMENTATION")
            cursor.execute("create schema if not exists SEGMENTATION.ANALYTICS")
            name = salt_function_name("SEGMENTATION", "ANALYTICS")
            create_emulator_salt_macro(conn._duck_conn, name, SALT)
            cursor.execute("select sha2(SEGMENTATION.ANALYTICS.seg_pii_salt() || 'a@b.co', 256)")
            assert cursor.fetchall() == [(hashlib.sha256((SALT + "a@b.co").encode()).hexdigest(),)]
