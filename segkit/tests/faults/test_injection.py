"""Fault family: SQL injection through vars.

Every var that reaches SQL is checked by the on-run-start macro validate_vars()
(macros/staging/validate_vars.sql) before any model runs; string literals built
from vars go through sql_string(). Before the fix, a crafted as_of closed the CTE
of int_as_of_date and ran arbitrary SQL with a green build.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from segkit.tests.faults.harness import PROJECT_DIR, clean_tables, dbt_build, write_raw

AS_OF_PAYLOAD = (
    "2026-01-01' as as_of_date) select 1; "
    "create table pwned as select * from staging.base_crm__customers; --"
)

# (var, value, text the error must contain besides the var name). Each is a separate
# invocation (validation stops at the first bad var) that fails at on-run-start.
BAD_VARS = [
    ("as_of", AS_OF_PAYLOAD, "expected a date YYYY-MM-DD"),
    ("web_event_types", ["page_view", "x') or 1=1 --"], "is not an identifier"),
    (
        "engagement_decay_weights",
        {"session": "1.0 end) --", "order": 3.0, "email_open": 0.25, "email_click": 0.5},
        "value of session: expected a number",
    ),
    ("fx_rates_to_reporting", {"USD": 1.0, "EU'R": 1.08}, "does not match ^[A-Z]{3}$"),
]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_raw(tmp_path_factory.mktemp("raw"), clean_tables())


def _tables(database: Path) -> list[tuple[str, str]]:
    if not database.exists():
        return []
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    BAD_VARS,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(BAD_VARS)],
)
def test_bad_var_stops_the_build_before_any_model(
    tmp_path: Path, raw: Path, name: str, value: object, expected: str
) -> None:
    build = dbt_build(tmp_path, raw, dbt_vars={name: value}, args=["--select", "+int_as_of_date"])
    assert not build.ok
    assert f"var {name} = " in build.output, build.output[-2000:]
    assert expected in build.output
    assert "on-run-start" in build.output
    # nothing ran: no model line, no table at all (so no 'pwned' copy of raw emails)
    assert "OK created" not in build.output
    assert _tables(build.database) == []


def test_valid_as_of_still_builds(tmp_path: Path, raw: Path) -> None:
    build = dbt_build(
        tmp_path, raw, dbt_vars={"as_of": "2026-01-31"}, args=["--select", "int_as_of_date"]
    )
    # int_as_of_date's parents are not selected; its own SQL needs no parent when as_of is set
    assert build.ok, build.output[-3000:]
    as_of = build.query("select as_of_date::varchar from intermediate.int_as_of_date")
    assert as_of == [("2026-01-31",)]


def test_every_project_var_is_validated() -> None:
    """A new var in dbt_project.yml must get a kind in validate_vars() (segment_definitions
    has its own validator, called from validate_vars())."""
    project_vars = set(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])
    macro = (PROJECT_DIR / "macros/staging/validate_vars.sql").read_text()
    kinds = set(re.findall(r"'([a-z_0-9]+)': '[a-z_]+',", macro))
    assert project_vars - kinds == {"segment_definitions"}
    assert "segment_definitions()" in macro


def test_every_var_use_is_validated() -> None:
    """Every var(...) named in models, macros, tests, analyses and python_models is
    validated (or is segment_definitions)."""
    used: set[str] = set()
    for folder in ("models", "macros", "tests", "analyses", "python_models"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix in {".sql", ".yml", ".py"}:
                used |= set(re.findall(r"""\bvar\(\s*['"]([a-z_0-9]+)['"]""", path.read_text()))
    macro = (PROJECT_DIR / "macros/staging/validate_vars.sql").read_text()
    kinds = set(re.findall(r"'([a-z_0-9]+)': '[a-z_]+',", macro))
    assert used - kinds <= {"segment_definitions"}, sorted(used - kinds - {"segment_definitions"})
