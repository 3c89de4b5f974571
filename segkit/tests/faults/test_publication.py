"""Fault family: BI readers and atomic publication (docs/bi.md).

A BI tool holding a read-only DuckDB connection on the file dbt writes makes the
build fail with a lock error, and after a build killed during the Python models
the file holds new features beside old segments. So every successful `dbt build`
publishes the marts into a new file renamed over <folder>/published/<db file>; a
failed or killed build leaves the previous publication as it was.

Builds on one small clean data set, in order: a first publication; a second
one (another as_of) while a reader holds the published file open; a build that
fails on a planted fault (the raw orders file lost its amount column); a build
killed with SIGKILL while the Python models run; a build after a deletion request
and a --full-refresh of one history mart, which updates the previous-but-one
publication (the spare) instead of copying the history; a build while a reader
holds the spare, which writes a new file instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segkit.tests.faults.harness import DBT, PROJECT_DIR, clean_tables, dbt_build, write_raw

MART_FOLDERS = ("features", "segments", "clustering")
EXCLUDED = {"metricflow_time_spine"}


def public_marts() -> set[str]:
    """The model files under models/marts, except the internal time spine."""
    names = {path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    return names - EXCLUDED


def published(folder: Path) -> Path:
    return folder / "published" / "db.duckdb"


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def spare(folder: Path) -> Path:
    return folder / "published" / ".db.duckdb.previous"


def published_differences(folder: Path) -> dict[str, int]:
    """Rows of each published mart that are not in the build's, or the other way
    (multisets, every column), by table; empty when the publication equals the build."""
    differences = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{folder / 'db.duckdb'}' as build (read_only)")
        con.execute(f"attach '{published(folder)}' as publication (read_only)")
        for table in sorted(public_marts()):
            built, kept = f"build.marts.{table}", f"publication.main.{table}"
            only = "select count(*) from (select * from {} except all select * from {})"
            count = con.execute(
                f"select ({only.format(built, kept)}) + ({only.format(kept, built)})"
            ).fetchone()[0]
            if count:
                differences[table] = count
    return differences


def publication_line(build) -> str:
    lines = [
        line for line in build.output.splitlines() if "published" in line and " marts to " in line
    ]
    assert len(lines) == 1, build.output[-3000:]
    return lines[0]


def publication_row(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute("select * from _publication").df()
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("publication")


@pytest.fixture(scope="module")
def raw(folder: Path) -> Path:
    return write_raw(folder / "raw", clean_tables())


@pytest.fixture(scope="module")
def first_build(folder: Path, raw: Path):
    build = dbt_build(folder, raw)
    return build, publication_row(published(folder)) if published(folder).exists() else None


@pytest.fixture(scope="module")
def reader_build(folder: Path, raw: Path, first_build):
    """A reader opens the published file, then a build with an earlier as_of runs."""
    _, first = first_build
    reader = duckdb.connect(str(published(folder)), read_only=True)
    before = reader.execute("select max(as_of_date), count(*) from customer_features").fetchone()
    as_of = (pd_date(first["as_of_date"]) - dt.timedelta(days=30)).isoformat()
    build = dbt_build(folder, raw, dbt_vars={"as_of": as_of})
    after = reader.execute("select max(as_of_date), count(*) from customer_features").fetchone()
    reader.close()
    return build, as_of, before, after


def pd_date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


@pytest.fixture(scope="module")
def failed_build(folder: Path, raw: Path, reader_build):
    """The raw orders file lost its amount column: the build fails."""
    before = fingerprint(published(folder))
    tables = clean_tables()
    broken = write_raw(folder / "raw-broken", {**tables, "orders": tables["orders"].drop(columns=["amount"])})
    build = dbt_build(folder, broken)
    return build, before, fingerprint(published(folder))


@pytest.fixture(scope="module")
def killed_build(folder: Path, raw: Path, failed_build):
    """SIGKILL to dbt (and its process group) once the Python models have started."""
    before = fingerprint(published(folder))
    log = folder / "killed.log"
    env = {
        **os.environ,
        "SEG_RAW_PATH": str(raw),
        "SEG_DUCKDB_PATH": str(folder / "db.duckdb"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs-killed"),
        "SEG_TARGET": "duckdb",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(DBT), "build", "--exclude-resource-type", "unit_test"],
            cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 300
        killed = False
        while time.monotonic() < deadline and process.poll() is None:
            if "python table model" in log.read_text():
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.1)
        process.wait()
    return killed, process.returncode, before, fingerprint(published(folder))


DELETED_CUSTOMER = "C30"
CARRIED_MARTS = ("segment_membership_history", "segment_feature_history", "segment_offer_history")


@pytest.fixture(scope="module")
def carried_build(folder: Path, raw: Path, first_build, killed_build):
    """The spare is the first publication (the reader build's commit kept it; the
    failed and killed builds published nothing). Before the build: one history mart
    rebuilt from scratch alone (it publishes nothing: a partial selection), and a
    deletion request for a customer the history holds."""
    _, first = first_build
    as_of = (pd_date(first["as_of_date"]) - dt.timedelta(days=29)).isoformat()
    refresh = dbt_build(
        folder, raw, command="run", dbt_vars={"as_of": as_of},
        args=["--select", "segment_offer_history", "--full-refresh"],
    )
    assert refresh.ok, refresh.failures()
    with duckdb.connect(str(published(folder)), read_only=True) as con:
        held_before = con.execute(
            "select count(*) from segment_membership_history where customer_id = ?",
            [DELETED_CUSTOMER],
        ).fetchone()[0]
    tables = clean_tables()
    requests = tables["deletion_requests"]
    request = requests.iloc[[0]].assign(request_id="D9", customer_id=DELETED_CUSTOMER, email=None)
    requests = pd.concat([requests, request], ignore_index=True)
    write_raw(raw, {**tables, "deletion_requests": requests})
    build = dbt_build(folder, raw, dbt_vars={"as_of": as_of})
    return build, held_before


@pytest.fixture(scope="module")
def spare_reader_build(folder: Path, raw: Path, first_build, carried_build):
    """A reader holds the spare (it opened it while it was published) during a build."""
    _, first = first_build
    reader = duckdb.connect(str(spare(folder)), read_only=True)
    history = "select max(as_of_date), count(*) from segment_membership_history"
    before = reader.execute(history).fetchone()
    as_of = (pd_date(first["as_of_date"]) - dt.timedelta(days=28)).isoformat()
    build = dbt_build(folder, raw, dbt_vars={"as_of": as_of})
    after = reader.execute(history).fetchone()
    reader.close()
    return build, before, after


def test_a_successful_build_publishes_every_public_mart(folder, first_build):
    build, row = first_build
    assert build.ok, build.failures()
    assert "published" in build.output
    with duckdb.connect(str(published(folder)), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
        features = con.execute("select count(*) from customer_features").fetchone()[0]
    assert tables == public_marts() | {"_publication", "_publication_state"}
    assert set(row["published_tables"].split(", ")) == public_marts()
    assert features == build.query("select count(*) from marts.customer_features")[0][0]
    assert row["as_of_date"] is not None
    # no temporary file or write-ahead log is left beside the publication
    assert sorted(path.name for path in published(folder).parent.iterdir()) == ["db.duckdb"]


def test_a_reader_of_the_published_file_neither_blocks_the_build_nor_sees_it_change(folder, reader_build):
    build, as_of, before, after = reader_build
    assert build.ok, build.failures()
    assert "conflicting lock" not in build.output.lower()
    # the open connection keeps its snapshot (the rename leaves the open file alone)
    assert after == before
    # a new connection sees the new publication, every mart of the same build
    with duckdb.connect(str(published(folder)), read_only=True) as con:
        assert str(con.execute("select max(as_of_date) from customer_features").fetchone()[0]) == as_of
        assert str(con.execute("select max(as_of_date) from customer_segments").fetchone()[0]) == as_of
        assert str(con.execute("select as_of_date from _publication").fetchone()[0]) == as_of


def test_a_failed_build_leaves_the_publication_unchanged(folder, reader_build, failed_build):
    build, before, after = failed_build
    assert not build.ok
    assert "amount" in build.output
    assert after == before
    _, as_of, _, _ = reader_build
    assert str(pd_date(publication_row(published(folder))["as_of_date"])) == as_of


def test_a_killed_build_leaves_the_publication_unchanged(folder, reader_build, killed_build):
    killed, returncode, before, after = killed_build
    assert killed, "the build ended before its Python models started"
    assert returncode == -signal.SIGKILL
    assert after == before
    _, as_of, _, _ = reader_build
    with duckdb.connect(str(published(folder)), read_only=True) as con:
        as_of_dates = {
            str(con.execute(f"select max(as_of_date) from {table}").fetchone()[0])
            for table in ("customer_features", "customer_segments", "customer_clusters", "segment_kpis")
        }
    assert as_of_dates == {as_of}


def test_the_publication_carries_the_history_over_from_the_spare(folder, carried_build):
    build, held_before = carried_build
    assert build.ok, build.failures()
    line = publication_line(build)
    # the two history marts with only new dates are carried over, and their rows of
    # the newly deleted person are deleted; the one rebuilt from scratch is copied
    assert "segment_membership_history 2 as_of dates, purged" in line, line
    assert "segment_feature_history 2 as_of dates, purged" in line, line
    assert "segment_offer_history" not in line, line
    assert held_before > 0
    assert published_differences(folder) == {}
    with duckdb.connect(str(published(folder)), read_only=True) as con:
        for table in CARRIED_MARTS:
            held = con.execute(
                f"select count(*) from {table} where customer_id = ?", [DELETED_CUSTOMER]
            )
            assert held.fetchone()[0] == 0, table
    assert sorted(path.name for path in published(folder).parent.iterdir()) == [
        ".db.duckdb.previous", "db.duckdb",
    ]


def test_a_reader_holding_the_spare_keeps_it_and_the_publication_is_a_new_file(
    folder, spare_reader_build
):
    build, before, after = spare_reader_build
    assert build.ok, build.failures()
    assert "conflicting lock" not in build.output.lower()
    assert publication_line(build).endswith("(all copied)")
    assert after == before
    assert published_differences(folder) == {}


def test_the_spare_is_reused_only_when_no_reader_holds_it(tmp_path):
    """segkit.publish without dbt: commit keeps the replaced file as the spare, begin
    reuses it unless another process holds it open."""
    from segkit import publish

    database = tmp_path / "build.duckdb"
    target = publish.published_path(database)
    for version in (1, 2):
        temporary = Path(publish.begin(str(database), reuse_spare=True))
        with duckdb.connect(str(temporary)) as con:
            con.execute(f"create or replace table version as select {version} as version")
        publish.commit(str(database))
    spare_file = publish.spare_path(target)
    with duckdb.connect(str(spare_file), read_only=True) as con:
        assert con.execute("select version from version").fetchone()[0] == 1
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys, time; con = duckdb.connect({str(spare_file)!r}, read_only=True);"
         " print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        temporary = Path(publish.begin(str(database), reuse_spare=True))
        assert not temporary.exists() and spare_file.exists()
    finally:
        holder.communicate("")
    temporary = Path(publish.begin(str(database), reuse_spare=True))
    assert temporary.exists() and not spare_file.exists()
    with duckdb.connect(str(temporary), read_only=True) as con:
        assert con.execute("select version from version").fetchone()[0] == 1
    assert Path(publish.begin(str(database), reuse_spare=False)).exists() is False
    # a write-ahead log a crash left beside the spare blocks its reuse until the next
    # commit replaces the spare and removes it
    with duckdb.connect(str(temporary)) as con:
        con.execute("create table version as select 3 as version")
    stray = spare_file.with_name(spare_file.name + ".wal")
    publish.commit(str(database))
    stray.write_bytes(b"left by a crash")
    assert not Path(publish.begin(str(database), reuse_spare=True)).exists()
    with duckdb.connect(str(temporary)) as con:
        con.execute("create table version as select 4 as version")
    publish.commit(str(database))
    assert not stray.exists()
    assert Path(publish.begin(str(database), reuse_spare=True)).exists()


def test_publication_is_the_last_on_run_end_hook():
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    hooks = text.split("on-run-end:")[1].split("\nmodels:")[0]
    entries = [line.strip() for line in hooks.splitlines() if line.strip().startswith("- ")]
    assert entries[-1] == '- "{{ segmentation.publish_marts(results) }}"'
    # the purge set is kept before the erasure hooks remove the persons it names
    erasure = [index for index, entry in enumerate(entries) if "erase_deleted_persons_pii" in entry]
    assert entries.index('- "{{ segmentation.capture_publication_purge_set() }}"') < min(erasure)


def test_the_cli_publishes_a_database_and_keeps_the_previous_file_on_failure(tmp_path):
    """python -m segkit.publish, without dbt: every marts table but the time spine."""
    from segkit import publish

    source = tmp_path / "build.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.customer_features as select 'c1' as customer_id, date '2026-06-30' as as_of_date")
        con.execute("create table marts.metricflow_time_spine as select date '2026-06-30' as date_day")
    assert publish.main(["--database", str(source)]) == 0
    target = tmp_path / "published" / "build.duckdb"
    with duckdb.connect(str(target), read_only=True) as con:
        names = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
        as_of = con.execute("select as_of_date from _publication").fetchone()[0]
    assert names == {"customer_features", "_publication"}
    assert str(as_of) == "2026-06-30"
    before = fingerprint(target)
    with pytest.raises(ValueError, match="no tables in schema"):
        publish.publish(str(source), schema="main_missing")
    assert fingerprint(target) == before
    assert sorted(path.name for path in target.parent.iterdir()) == ["build.duckdb"]
