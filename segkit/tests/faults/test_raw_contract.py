"""Fault family: whole raw tables that cannot be staged. Each stops the build before
any model runs (the on-run-start check macros/staging/check_raw_contract.sql), with
one message naming the table, the file or column, and the fix:

- orders.parquet without the required column `amount` (was: a Binder Error deep in
  base_shop__orders and 551 skipped nodes);
- email_events.parquet that is not a Parquet file (a CSV saved under that name);
- customers.parquet missing altogether (a required table);
  (the three in one build: the message lists every problem)
- var raw_format 'xlsx' (names the allowed formats);
- a run that reads no raw table (a seed) is not checked; one that does is;
- a raw folder that does not exist (names the path and env SEG_RAW_PATH), while a
  folder of per-table delivery folders passes.

An optional column that is absent is not a fault (test_row_values.py checks it
becomes a typed null). The contract the check reads, raw_contract(), must say what
docs/raw_contract.md says.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segkit.tests.faults.harness import PROJECT_DIR, Build, clean_tables, dbt_build, write_raw

CONTRACT_DOC = PROJECT_DIR / "docs" / "raw_contract.md"
CONTRACT_MACRO = PROJECT_DIR / "macros" / "staging" / "raw_contract.sql"
DOC_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "INTEGER": "integer",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
}


def assert_stopped_before_any_model(build: Build) -> None:
    assert not build.ok
    assert "START sql" not in build.output, "a model ran before the check stopped the build"
    assert "Compilation Error in operation" in build.output and "on-run-start" in build.output


@pytest.fixture(scope="module")
def broken_tables(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder = tmp_path_factory.mktemp("raw-contract")
    tables = clean_tables()
    tables["orders"] = tables["orders"].drop(columns=["amount"])
    del tables["customers"]
    raw = write_raw(folder / "raw", tables)
    (raw / "email_events.parquet").write_text("email_event_id,customer_id\nM1,C1\n")
    return dbt_build(folder, raw)


def test_missing_required_column_names_file_column_and_fix(broken_tables: Build) -> None:
    assert_stopped_before_any_model(broken_tables)
    assert re.search(
        r'raw table orders \(\S+/raw/orders\.parquet\): required column "amount" is missing; '
        r"add it "
        r"\(type double, see docs/raw_contract\.md\)",
        broken_tables.output,
    ), broken_tables.output[-2000:]


def test_unreadable_file_is_named(broken_tables: Build) -> None:
    assert re.search(
        r"raw table email_events: \S+/raw/email_events\.parquet is not a parquet file; replace it",
        broken_tables.output,
    ), broken_tables.output[-2000:]


def test_missing_required_table_is_named(broken_tables: Build) -> None:
    assert re.search(
        r"required raw table customers not found: expected the file \S+/raw/customers\.parquet "
        r"or delivery files \S+/raw/customers/\*\.parquet; point env SEG_RAW_PATH",
        broken_tables.output,
    ), broken_tables.output[-2000:]


def test_unknown_raw_format_names_the_allowed_values(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw", clean_tables())
    build = dbt_build(tmp_path, raw, dbt_vars={"raw_format": "xlsx"})
    assert_stopped_before_any_model(build)
    assert "var raw_format is 'xlsx': use one of parquet, csv" in build.output, build.output[-2000:]


def test_missing_raw_folder_names_the_path_and_its_setting(tmp_path: Path) -> None:
    build = dbt_build(tmp_path, tmp_path / "no-such-folder")
    assert_stopped_before_any_model(build)
    folder = tmp_path / "no-such-folder"
    message = f"raw folder {folder} (set by env SEG_RAW_PATH) does not exist or is empty"
    assert message in build.output, build.output[-2000:]


def test_only_a_run_that_reads_raw_tables_is_checked(tmp_path: Path) -> None:
    """The raw checks guard the runs that read raw tables (selects_raw_sources()): a
    seed, or the cluster assignment alone, reads none and is neither stopped by a
    missing raw folder nor recorded as built from it; a base model is stopped."""
    missing = tmp_path / "no-such-folder"
    seed = dbt_build(tmp_path, missing, command="seed")
    assert seed.ok, seed.output[-2000:]
    assert "does not exist or is empty" not in seed.output
    assert "Raw data" not in seed.output, "check_raw_source recorded a run that reads no raw table"
    staging = dbt_build(tmp_path, missing, command="run", args=["--select", "base_crm__customers"])
    assert_stopped_before_any_model(staging)
    assert "does not exist or is empty" in staging.output, staging.output[-2000:]


def test_a_folder_of_delivery_folders_passes_the_check(tmp_path: Path) -> None:
    """The timeline layout, <raw>/<table>/<date>.parquet, has no file at the top of
    the raw folder: it is not 'empty' (the soak and Fivetran-style landings use it)."""
    raw = tmp_path / "raw"
    for name, frame in clean_tables().items():
        write_raw(raw / name, {"2026-10-01": frame})
    build = dbt_build(tmp_path, raw, command="run", args=["--select", "base_crm__customers"])
    assert build.ok, build.output[-2000:]
    assert "does not exist or is empty" not in build.output


def documented_contract() -> dict[str, list[tuple[str, str, bool]]]:
    """table -> [(column, logical type, is required)] from the markdown table; "one of
    the two" columns are optional for the presence check."""
    contract: dict[str, list[tuple[str, str, bool]]] = {}
    for line in CONTRACT_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[2] not in DOC_TYPES:
            continue
        for column in cells[1].split(", "):
            contract.setdefault(cells[0], []).append(
                (column, DOC_TYPES[cells[2]], cells[3].startswith("yes"))
            )
    return contract


def macro_contract() -> dict[str, list[tuple[str, str, bool]]]:
    contract: dict[str, list[tuple[str, str, bool]]] = {}
    for table, body in re.findall(r"'(\w+)': \[(.*?)\]", CONTRACT_MACRO.read_text(), re.S):
        contract[table] = [
            (column, kind, required == "true")
            for column, kind, required in re.findall(r"\('(\w+)', '(\w+)', (true|false)\)", body)
        ]
    return contract


def test_the_contract_macro_says_what_the_document_says() -> None:
    documented = documented_contract()
    assert len(documented) == 7
    assert macro_contract() == documented
