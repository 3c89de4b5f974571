"""Fault family: free-text PII and the PII guard before publication.

Staging redacts email- and phone-shaped substrings in free-text columns
(macro redact_pii; docs/staging.md), and int_privacy__pii_scan scans the staging
and intermediate outputs BEFORE the marts: every mart depends on it and its
error-severity test makes `dbt build` skip the marts. Before the fix, free-text PII
(city, page_path, campaign) reached intermediate tables and the PII test failed
only after the marts were published. Ids shaped like phone numbers must not trip it.

A model whose text columns are copies of columns the gate scans elsewhere declares
them (meta pii_scan_copied_from) and is not scanned again; a declaration the gate
cannot check against the scanned relations stops the gate with a clear error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from segkit.tests.faults.harness import DBT, PROJECT_DIR, clean_tables, copy_project, dbt_build, write_raw

PHONE_LIKE_SESSION_ID = "2026-1031-0001"


def _free_text_faults() -> dict:
    tables = clean_tables()
    customers, events, orders = tables["customers"], tables["events"], tables["orders"]
    customers.loc[0, "city"] = "Ring 555-123-4567 or wen.khan0@inbox.example.net"
    customers.loc[0, "region"] = "+44 20 7946 0958"
    events.loc[1, "page_path"] = "/contact?email=jane.doe@example.com&tel=+1 (555) 010-9999"
    events.loc[1, "campaign"] = "spring_bob@corp.example.org"
    first_session = events.loc[0, "session_id"]
    events.loc[events["session_id"] == first_session, "session_id"] = PHONE_LIKE_SESSION_ID
    orders.loc[0, "sales_channel"] = "call 0201234567"
    # the shortest phone shape (pii_phone_min_length characters) is redacted too
    orders.loc[1, "sales_channel"] = "12-345678"
    return tables


@pytest.fixture(scope="module")
def redacted(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("pii-free-text")
    return dbt_build(folder, write_raw(folder / "raw", _free_text_faults()))


@pytest.fixture(scope="module")
def leaked(tmp_path_factory: pytest.TempPathFactory):
    """An email in an id column: no redaction applies, so the gate must stop the marts."""
    tables = clean_tables()
    events = tables["events"]
    anonymous_id = events.loc[0, "anonymous_id"]
    events.loc[events["anonymous_id"] == anonymous_id, "anonymous_id"] = "jane.doe@example.com"
    folder = tmp_path_factory.mktemp("pii-in-id")
    return dbt_build(folder, write_raw(folder / "raw", tables))


def test_free_text_pii_is_redacted_and_the_build_passes(redacted) -> None:
    assert redacted.ok, "\n".join(redacted.failures()) or redacted.output[-3000:]
    assert redacted.query(
        "select city, region from staging.stg_crm__customers where customer_id = 'C0'"
    ) == [("Ring [redacted phone] or [redacted email]", "[redacted phone]")]
    assert redacted.query(
        "select page_path, campaign from staging.stg_web__events where event_id = 'E1'"
    ) == [("/contact?email=[redacted email]&tel=[redacted phone]", "[redacted email]")]
    assert redacted.query(
        "select order_id, sales_channel from staging.stg_shop__orders where order_id in ('O0', 'O1') order by 1"
    ) == [("O0", "call [redacted phone]"), ("O1", "[redacted phone]")]


def test_no_raw_pii_downstream_of_staging(redacted) -> None:
    """No text column downstream of staging holds a planted email or phone. The
    phones are matched by their digit groups in order (555..123..4567,
    7946..0958): a lone group such as 7946 also turns up inside hex digests
    (identity_version is one) by chance."""
    for schema in ("intermediate", "marts"):
        tables = redacted.query(
            f"select table_name from duckdb_tables() where schema_name = '{schema}'"
        )
        for (table,) in tables:
            columns = [row[0] for row in redacted.query(
                f"select column_name from duckdb_columns() where schema_name = '{schema}'"
                f" and table_name = '{table}' and data_type = 'VARCHAR'"
            )]
            for column in columns:
                hits = redacted.query(
                    f'select count(*) from {schema}."{table}" where "{column}" like \'%example.%\''
                    f' or "{column}" like \'%555%123%4567%\' or "{column}" like \'%7946%0958%\''
                )
                assert hits == [(0,)], (schema, table, column)


def test_phone_like_ids_are_not_flagged(redacted) -> None:
    assert redacted.query(
        "select count(*) from staging.stg_web__events"
        f" where session_id = '{PHONE_LIKE_SESSION_ID}'"
    )[0][0] > 0
    assert redacted.query(
        "select count_pii_like_values from intermediate.int_privacy__pii_scan"
        " where model_name = 'stg_web__events' and column_name = 'session_id'"
    ) == [(0,)]
    # the scan covered the free-text columns of staging and intermediate outputs
    scanned = set(
        redacted.query(
            "select model_name, column_name from intermediate.int_privacy__pii_scan"
        )
    )
    assert {("stg_crm__customers", "city"), ("stg_web__events", "page_path"),
            ("stg_web__events", "campaign"), ("int_identity__devices", "customer_id")} <= scanned
    # the attributed events view only copies columns scanned in those models (its
    # meta pii_scan_copied_from): not read a second time
    assert not {column for model, column in scanned if model == "int_events__resolved"}


def test_pii_in_an_id_stops_the_marts_before_publication(leaked) -> None:
    assert not leaked.ok
    failures = leaked.failures()
    assert any("no_raw_pii_before_marts" in line for line in failures), leaked.output[-3000:]
    assert leaked.query(
        "select count_pii_like_values from intermediate.int_privacy__pii_scan"
        " where model_name = 'stg_web__events' and column_name = 'anonymous_id'"
    )[0][0] > 0
    assert leaked.query(
        "select count(*) from duckdb_tables() where schema_name = 'marts'"
    ) == [(0,)]
    assert "SKIP relation marts.customer_features" in leaked.output or any(
        "customer_features" in line for line in leaked.failures() if "SKIP" in line
    )


def run_the_gate(project: Path, work: Path, database: Path, raw: Path) -> subprocess.CompletedProcess[str]:
    """`dbt run --select int_privacy__pii_scan` of `project` on `database`, with its
    target and log folders under `work`."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "SEG_DUCKDB_PATH": str(database),
        "SEG_RAW_PATH": str(raw),
        "SEG_TARGET": "duckdb",
    }
    return subprocess.run(
        [str(DBT), "run", "--select", "int_privacy__pii_scan"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )


DECLARED = "          stg_web__events: [event_id, anonymous_id, session_id, event_type, page_path, device, channel, campaign]\n"
IDENTITY_YAML = Path("models/intermediate/identity/_identity__models.yml")


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        # a column that is not text in the model (occurred_at is a timestamp)
        ("          stg_web__events: [event_id, occurred_at]\n", "declares occurred_at copied from stg_web__events"),
        # a relation the gate does not scan (the base model keeps raw text)
        ("          base_web__events: [page_path]\n", "which this PII scan does not read"),
        # a column the named model does not have
        ("          stg_shop__orders: [campaign]\n", "declares campaign copied from stg_shop__orders"),
    ],
)
def test_a_copy_declaration_the_gate_cannot_check_stops_it(
    redacted, tmp_path: Path, declared: str, message: str
) -> None:
    """The gate on a copy of the project whose int_events__resolved declaration is
    wrong, run on the redacted build's tables: an error naming the model, the column
    or relation and the fix, instead of a column left unscanned."""
    assert redacted.ok
    project = copy_project(tmp_path / "project")
    yaml = project / IDENTITY_YAML
    text = yaml.read_text()
    assert DECLARED in text, "the declaration moved: update DECLARED"
    yaml.write_text(text.replace(DECLARED, declared))
    database = tmp_path / "db.duckdb"
    shutil.copy2(redacted.database, database)
    run = run_the_gate(project, project, database, redacted.folder / "raw")
    assert run.returncode != 0
    assert "int_events__resolved" in run.stdout and message in run.stdout, run.stdout[-3000:]


def test_columns_with_accepted_values_are_scanned_per_value_with_the_same_counts(
    redacted, tmp_path: Path
) -> None:
    """Columns an accepted_values test limits (event_type of the staged events, device
    of the sessions) are read alone and checked once per distinct value, weighted by
    its rows (macro pii_scan_sql, 'by_value'). PII written into them behind the
    tests' back, on a copy of the redacted build: every row is counted, as when each
    value was checked row by row."""
    assert redacted.ok
    database = tmp_path / "db.duckdb"
    shutil.copy2(redacted.database, database)
    connection = duckdb.connect(str(database))
    try:
        # one kept event gets an email for its type (the staged view passes it on)
        connection.execute(
            "update staging.base_web__events set event_type = 'jane.doe@example.com'"
            " where event_id = (select min(event_id) from staging.base_web__events where record_outcome = 'kept')"
        )
        # two sessions get the same phone number as their device: counted twice
        connection.execute(
            "update intermediate.int_events__sessions set device = 'call +44 20 7946 0958'"
            " where session_id in (select session_id from intermediate.int_events__sessions order by session_id limit 2)"
        )
    finally:
        connection.close()
    run = run_the_gate(PROJECT_DIR, tmp_path, database, redacted.folder / "raw")
    assert run.returncode == 0, run.stdout[-3000:]
    compiled = next((tmp_path / "target" / "compiled").rglob("int_privacy__pii_scan.sql")).read_text()
    # the two columns went through the per-value path
    for column in ("event_type", "device"):
        assert f'select "{column}" as scanned_value, count(*) as count_rows' in compiled
    connection = duckdb.connect(str(database), read_only=True)
    try:
        counts = dict(
            connection.execute(
                "select model_name || '.' || column_name, count_pii_like_values"
                " from intermediate.int_privacy__pii_scan"
                " where column_name in ('event_type', 'device', 'channel')"
            ).fetchall()
        )
    finally:
        connection.close()
    assert counts["stg_web__events.event_type"] == 1
    assert counts["int_events__sessions.device"] == 2
    assert counts["stg_web__events.device"] == 0
    assert counts["int_events__sessions.channel"] == 0
