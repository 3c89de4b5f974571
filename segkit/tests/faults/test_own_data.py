"""Fault family: a second data set built into a database that already holds one.

History, drift and the cluster life cycle compare a build with the earlier builds in
the same database, so two data sets must never share one (issue 16: own data built
into the demo's file got cluster ids 0 and 3 and drift against the demo). The rule
(README, "Using your own data"):

- the profile gives each raw folder its own DuckDB file: data/raw (the demo) ->
  data/segmentation.duckdb, any other folder -> data/<folder name>.duckdb;
- whatever the path, the on-run-start check check_raw_source stops a build whose raw
  source differs from the one the database recorded, before any model runs, naming
  the database, both sources and SEG_DUCKDB_PATH; the tables already built are left
  as they were;
- var accept_new_raw_source: true records the new source (the same data moved).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from segkit.tests.faults.harness import DBT, PROJECT_DIR, Build, clean_tables, dbt_build, write_raw

RECORD = "main.segmentation_raw_source"


def table_fingerprint(build: Build) -> dict[str, tuple]:
    """Row count and a content hash of every table and view the build wrote, but the
    source record itself."""
    relations = build.query(
        "select table_schema, table_name from information_schema.tables"
        " where table_name != 'segmentation_raw_source' order by all"
    )
    return {
        f"{schema}.{name}": build.query(f'select count(*), sum(hash(t)) from "{schema}"."{name}" as t')[0]
        for schema, name in relations
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("own-data")
    tables = clean_tables()
    first_raw = write_raw(folder / "demo_raw", tables)
    other = {**tables, "customers": tables["customers"].iloc[: len(tables["customers"]) // 2]}
    other_raw = write_raw(folder / "shop", other)
    first = dbt_build(folder, first_raw)
    before = table_fingerprint(first)
    recorded_before = first.query(f"select raw_source, recorded_at from {RECORD}")
    refused = dbt_build(folder, other_raw)
    after = table_fingerprint(refused)
    recorded_after = refused.query(f"select raw_source, recorded_at from {RECORD}")
    accepted = dbt_build(
        folder, other_raw, command="run", args=["--select", "base_crm__customers"],
        dbt_vars={"accept_new_raw_source": True},
    )
    return {
        "first": first, "before": before, "recorded_before": recorded_before,
        "refused": refused, "after": after, "recorded_after": recorded_after,
        "accepted": accepted, "first_raw": first_raw, "other_raw": other_raw,
    }


def test_first_build_records_its_raw_folder(builds: dict) -> None:
    assert builds["first"].ok, builds["first"].failures()
    assert [row[0] for row in builds["recorded_before"]] == [str(builds["first_raw"])]
    assert f"Raw data {builds['first_raw']} -> database " in builds["first"].output


def test_build_of_other_data_stops_before_any_model(builds: dict) -> None:
    refused: Build = builds["refused"]
    assert not refused.ok
    assert "START sql" not in refused.output, "a model ran before the check stopped the build"
    assert "This database was built from other raw data; nothing was built." in refused.output
    assert f"built from:        {builds['first_raw']}" in refused.output
    assert f"this run reads:    {builds['other_raw']}" in refused.output
    assert "set SEG_DUCKDB_PATH" in refused.output, refused.output[-2000:]
    assert "accept_new_raw_source: true" in refused.output


def test_refused_build_leaves_every_table_and_the_record(builds: dict) -> None:
    assert builds["before"], "the first build wrote no table"
    assert builds["after"] == builds["before"]
    assert builds["recorded_after"] == builds["recorded_before"]


def test_accept_new_raw_source_records_the_new_folder(builds: dict) -> None:
    accepted: Build = builds["accepted"]
    assert accepted.ok, accepted.output[-2000:]
    assert [row[0] for row in accepted.query(f"select raw_source from {RECORD}")] == [
        str(builds["other_raw"])
    ]


@pytest.mark.parametrize(
    ("raw_path", "database"),
    [
        (None, "data/segmentation.duckdb"),
        ("data/raw/", "data/segmentation.duckdb"),
        ("/exports/acme/shop/", "data/shop.duckdb"),
    ],
)
def test_profile_gives_each_raw_folder_its_own_file(
    tmp_path: Path, raw_path: str | None, database: str
) -> None:
    """profiles.yml.example as `make` copies it, without SEG_DUCKDB_PATH. dbt runs in
    tmp_path, so the connection test opens (creates) the file there."""
    shutil.copy(PROJECT_DIR / "profiles.yml.example", tmp_path / "profiles.yml")
    env = {
        key: value for key, value in os.environ.items()
        if key not in ("SEG_DUCKDB_PATH", "SEG_RAW_PATH", "SEG_TARGET")
    }
    env.update({"DBT_LOG_PATH": str(tmp_path / "logs"), **({"SEG_RAW_PATH": raw_path} if raw_path else {})})
    result = subprocess.run(
        [str(DBT), "debug", "--profiles-dir", str(tmp_path), "--project-dir", str(PROJECT_DIR)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    assert f"path: {database}\n" in result.stdout, result.stdout[-2000:]
