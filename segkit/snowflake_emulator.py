"""Build and test the dbt project through dbt-snowflake against fakesnow.

fakesnow patches the Snowflake connector in-process, so dbt-snowflake talks to a
DuckDB-backed emulator instead of an account. This module loads a folder of raw
Parquet files (docs/raw_contract.md) into emulator tables, then runs `dbt build`
with the `snowflake_emulator` target of profiles.yml.example.

Nodes tagged `fakesnow_unsupported` (each with its reason; see docs/snowflake.md)
are not built by dbt. The Python models carry that tag (dbt-snowflake runs them as
stored procedures): the harness calls their `model(dbt, session)` in-process with a
stand-in `dbt` reading the emulator's tables, writes the returned frame where the
stored procedure would, and then builds and tests everything downstream. Phases:
  1. dbt build of every node not downstream of an excluded node;
  2. each excluded Python model, in dependency order, run in-process;
  3. dbt build of the excluded nodes' descendants (and their tests).

    python -m segkit.snowflake_emulator --raw data/test_raw --db-path data/fakesnow
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from segkit.dbt_plugins.pii_salt import resolve_salt
from segkit.snowflake_secrets import create_emulator_salt_macro, salt_function_name

PROJECT_DIR = Path(__file__).resolve().parent.parent
EMULATOR_TARGET = "snowflake_emulator"
EXCLUDE_TAG = "fakesnow_unsupported"
# Must match the snowflake_emulator target in profiles.yml.example and the
# default of var raw_schema (the raw database defaults to the target's).
EMULATOR_DATABASE = "SEGMENTATION"
RAW_SCHEMA = "RAW"

# Arrow type ids (as strings) mapped to Snowflake column types for the raw tables.
_ARROW_TO_SNOWFLAKE = {
    "string": "varchar",
    "large_string": "varchar",
    "int8": "integer",
    "int16": "integer",
    "int32": "integer",
    "int64": "bigint",
    "float": "double",
    "double": "double",
    "bool": "boolean",
    "date32[day]": "date",
}


@dataclass(frozen=True)
class BuildSummary:
    """Outcome of one emulator build: node status counts and failing nodes."""

    success: bool
    status_counts: dict[str, int]
    failures: list[str] = field(default_factory=list)

    def format(self) -> str:
        counts = " ".join(
            f"{status.upper()}={count}" for status, count in sorted(self.status_counts.items())
        )
        lines = [f"snowflake emulator build: {'OK' if self.success else 'FAILED'} {counts}"]
        lines += [f"  failed: {name}" for name in self.failures]
        return "\n".join(lines)


def snowflake_type(arrow_type: str) -> str:
    """Snowflake column type for an Arrow type name (timestamps stay naive UTC)."""
    if arrow_type.startswith("timestamp"):
        return "timestamp_ntz"
    if arrow_type.startswith("decimal"):
        return "number" + arrow_type[arrow_type.index("(") :]
    try:
        return _ARROW_TO_SNOWFLAKE[arrow_type]
    except KeyError as error:
        raise ValueError(f"no Snowflake type for Arrow type {arrow_type!r}") from error


def create_table_sql(table: str, schema: dict[str, str], qualified_schema: str) -> str:
    """CREATE OR REPLACE TABLE statement for a raw table with Arrow column types."""
    columns = ",\n    ".join(
        f"{name} {snowflake_type(arrow_type)}" for name, arrow_type in schema.items()
    )
    return f"create or replace table {qualified_schema}.{table} (\n    {columns}\n)"


def load_raw(
    raw_dir: Path, database: str = EMULATOR_DATABASE, schema: str = RAW_SCHEMA
) -> dict[str, int]:
    """Load every `<table>.parquet` in raw_dir into database.schema; rows per table.

    Must run inside `fakesnow.patch(...)`. Tables get explicit types from the
    Parquet schema (not inferred from pandas), as a real load would declare them.
    """
    import snowflake.connector
    from snowflake.connector.pandas_tools import write_pandas

    files = sorted(raw_dir.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no .parquet files in {raw_dir}")
    loaded: dict[str, int] = {}
    with snowflake.connector.connect(database=database, schema=schema) as conn:
        cursor = conn.cursor()
        cursor.execute(f"create database if not exists {database}")
        cursor.execute(f"create schema if not exists {database}.{schema}")
        cursor.execute(f"use schema {database}.{schema}")
        for path in files:
            table = path.stem
            arrow_schema = pq.read_schema(path)
            types = {name: str(arrow_schema.field(name).type) for name in arrow_schema.names}
            cursor.execute(create_table_sql(table, types, f"{database}.{schema}"))
            frame = pd.read_parquet(path)
            frame.columns = [column.upper() for column in frame.columns]
            write_pandas(conn, frame, table.upper(), database=database, schema=schema)
            loaded[table] = len(frame)
    return loaded


def install_pii_salt(database: str = EMULATOR_DATABASE, schema: str = "ANALYTICS") -> bool:
    """Creates the emulator's stand-in for the secure salt function (what
    `python -m segkit.snowflake_secrets` creates on an account) from env SEG_PII_SALT,
    or the public demo salt when unset; true when the demo salt was used. Must run
    inside `fakesnow.patch(...)`. The schema is the snowflake_emulator target's."""
    import snowflake.connector

    salt, is_default = resolve_salt(os.environ)
    with snowflake.connector.connect(database=database, schema=schema) as conn:
        create_emulator_salt_macro(conn._duck_conn, salt_function_name(database, schema), salt)
    return is_default


def summarise(results: Sequence[object]) -> BuildSummary:
    """Status counts and failing node names from dbt's RunExecutionResult items; a node
    run twice (phases overlap on tests) counts once, with its last status."""
    latest = {result.node.unique_id: str(result.status).lower() for result in results}
    failures = [
        unique_id
        for unique_id, status in latest.items()
        if status in {"error", "fail", "runtime error"}
    ]
    return BuildSummary(
        success=not failures, status_counts=dict(Counter(latest.values())), failures=failures
    )


def prepare_profiles_dir(work_dir: Path) -> Path:
    """A profiles dir holding profiles.yml.example, so a user's own profiles.yml
    (which may predate the emulator target) does not matter."""
    profiles_dir = work_dir / "profiles"
    profiles_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", profiles_dir / "profiles.yml")
    return profiles_dir


def dbt_args(
    command: str,
    profiles_dir: Path,
    target_path: Path,
    select: Sequence[str] = (),
    extra_vars: dict[str, object] | None = None,
    exclude: str | None = f"tag:{EXCLUDE_TAG}",
) -> list[str]:
    """Arguments of the dbt invocation against the emulator."""
    dbt_vars = {"snowflake_emulator": True, **(extra_vars or {})}
    args = [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        EMULATOR_TARGET,
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path.parent / "logs"),
        "--vars",
        json.dumps(dbt_vars),
        # dbt-snowflake runs unit tests through temporary tables qualified with a
        # database, which fakesnow rejects; they run on DuckDB (docs/snowflake.md).
        "--exclude-resource-type",
        "unit_test",
    ]
    if exclude:
        args += ["--exclude", exclude]
    if select:
        args += ["--select", *select]
    return args


class _EmulatorRelation:
    """What a stand-in dbt.ref() returns: something with to_pandas(), like Snowpark."""

    def __init__(self, conn, query: str) -> None:
        self._conn = conn
        self._query = query

    def to_pandas(self) -> pd.DataFrame:
        cursor = self._conn.cursor()
        cursor.execute(self._query)
        return cursor.fetch_pandas_all()


class _EmulatorSession:
    """The `session` a Python model gets: sql() and create_dataframe() as in Snowpark
    (the latter only marks the engine as Snowflake, so models upper-case columns)."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def sql(self, query: str) -> _EmulatorRelation:
        return _EmulatorRelation(self._conn, query)

    def create_dataframe(self, data: object) -> object:  # pragma: no cover - marker only
        raise NotImplementedError("the emulator session only reads tables")


class _StandInConfig:
    def __init__(self, values: dict[str, object]) -> None:
        self._values = values

    def __call__(self, **_: object) -> None:
        return None

    def get(self, key: str, default: object = None) -> object:
        return self._values.get(key, default)

    def meta_get(self, key: str, default: object = None) -> object:
        """dbt.config.meta_get(): the model's settings live in config.meta."""
        return (self._values.get("meta") or {}).get(key, default)


class _StandInDbt:
    """The `dbt` object of a Python model, built from its manifest node."""

    def __init__(self, conn, node: dict, nodes: dict[str, dict]) -> None:
        self._conn = conn
        self.config = _StandInConfig(node["config"])
        self.this = node["relation_name"]
        self._refs = {
            nodes[parent]["name"]: nodes[parent]["relation_name"]
            for parent in node["depends_on"]["nodes"]
            if parent in nodes
        }

    def ref(self, name: str) -> _EmulatorRelation:
        return _EmulatorRelation(self._conn, f"select * from {self._refs[name]}")


def excluded_python_models(manifest: dict) -> list[dict]:
    """Excluded Python model nodes in dependency order (parents first)."""
    nodes = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["language"] == "python"
        and EXCLUDE_TAG in node["tags"]
    }
    ordered: list[dict] = []
    pending = dict(nodes)
    while pending:
        ready = [
            uid
            for uid, node in pending.items()
            if not set(node["depends_on"]["nodes"]) & set(pending)
        ]
        if not ready:
            raise ValueError(f"cycle among Python models: {sorted(pending)}")
        for unique_id in sorted(ready):
            ordered.append(pending.pop(unique_id))
    return ordered


def run_python_model(conn, node: dict, nodes: dict[str, dict]) -> int:
    """Run one Python model's model(dbt, session) in-process; write its frame; rows."""
    import importlib.util

    from snowflake.connector.pandas_tools import write_pandas

    spec = importlib.util.spec_from_file_location(
        node["name"], PROJECT_DIR / node["original_file_path"]
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.model(_StandInDbt(conn, node, nodes), _EmulatorSession(conn))
    database, schema, table = (part.strip('"') for part in node["relation_name"].split("."))
    conn.cursor().execute(f"create schema if not exists {database}.{schema}")
    write_pandas(
        conn,
        frame,
        table.upper(),
        database=database,
        schema=schema,
        auto_create_table=True,
        overwrite=True,
    )
    return len(frame)


def _invoke(args: list[str], phase: str, problems: list[str]) -> list[object]:
    """Run dbt; results, with a problem noted when dbt failed without a failing node."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(args)
    batch = list(result.result) if result.result is not None else []
    if not result.success and summarise(batch).success:
        problems.append(f"{phase}: {result.exception!r}")
    elif not result.success:
        problems.append(f"{phase}: failing nodes")
    return batch


def run_build(
    raw_dir: Path,
    db_path: Path,
    select: Sequence[str] = (),
    extra_vars: dict[str, object] | None = None,
) -> BuildSummary:
    """Load raw_dir into a fresh emulator at db_path and build the project there."""
    import fakesnow
    import snowflake.connector

    if db_path.exists():
        shutil.rmtree(db_path)
    db_path.mkdir(parents=True)
    target_path = db_path / "target"
    results: list[object] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as work:
        profiles_dir = prepare_profiles_dir(Path(work))
        with fakesnow.patch(db_path=str(db_path)):
            loaded = load_raw(raw_dir)
            if install_pii_salt():
                print("SEG_PII_SALT is not set: the emulator hashes PII with the public demo salt")
            print(
                "loaded raw tables: "
                + ", ".join(f"{table}={rows}" for table, rows in loaded.items())
            )
            selection = list(select) or ["fqn:*"]
            # A whole build holds back what lies below the excluded nodes for phase 3.
            exclude = f"tag:{EXCLUDE_TAG}" if select else f"tag:{EXCLUDE_TAG}+"
            phase_one = dbt_args("build", profiles_dir, target_path, selection, extra_vars, exclude)
            results += _invoke(phase_one, "phase 1 (dbt build)", problems)
            if not problems and not select:
                manifest = json.loads((target_path / "manifest.json").read_text())
                nodes = manifest["nodes"]
                python_models = excluded_python_models(manifest)
                with snowflake.connector.connect(database=EMULATOR_DATABASE) as conn:
                    for node in python_models:
                        try:
                            rows = run_python_model(conn, node, nodes)
                            print(f"python model {node['name']}: {rows} rows (in-process)")
                        except Exception as error:  # noqa: BLE001 - reported in the summary
                            problems.append(f"python model {node['name']}: {error!r}")
                if python_models and not problems:
                    downstream = [f"{node['name']}+" for node in python_models]
                    phase_three = dbt_args(
                        "build", profiles_dir, target_path, downstream, extra_vars
                    )
                    results += _invoke(
                        phase_three, "phase 3 (dbt build below the Python models)", problems
                    )
                    # Excluding a model also drops its tests: run the Python models'
                    # own tests on the frames written in phase 2.
                    own_tests = dbt_args(
                        "test",
                        profiles_dir,
                        target_path,
                        [node["name"] for node in python_models],
                        extra_vars,
                        exclude=None,
                    )
                    results += _invoke(own_tests, "phase 3 (tests of the Python models)", problems)
    summary = summarise(results)
    return BuildSummary(
        success=summary.success and not problems,
        status_counts=summary.status_counts,
        failures=summary.failures + problems,
    )


def quiet_emulator_noise() -> None:
    """Silence what the emulator prints about itself, not about the project:
    - fakesnow's UserWarning on every fetch through the DB-API (dbt-snowflake fetches
      that way; the extra copy is the emulator's cost, a real account has none);
    - sqlglot's warnings while fakesnow transpiles Snowflake SQL to DuckDB: it drops
      properties DuckDB has no equivalent for (`transient`) and passes `show ...`
      commands through as text. Both are about the translation; a statement the
      emulator gets wrong fails the build instead. Errors are still logged."""
    warnings.filterwarnings(
        "ignore", message="Arrow output on a DB-API result makes an extra copy", category=UserWarning
    )
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    quiet_emulator_noise()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of raw Parquet files")
    parser.add_argument("--db-path", type=Path, required=True, help="emulator folder (recreated)")
    parser.add_argument(
        "--select",
        nargs="*",
        default=(),
        help="dbt selection (default: everything, incl. the Python models run in-process)",
    )
    args = parser.parse_args(argv)
    summary = run_build(args.raw, args.db_path, args.select)
    print(summary.format())
    return 0 if summary.success else 1


if __name__ == "__main__":
    sys.exit(main())
