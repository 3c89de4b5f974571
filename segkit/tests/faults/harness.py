"""The fault suite's harness: a small clean data set, faults planted into it, and a
whole `dbt build` on the result in a folder of its own.

Each fault family (a module beside this one) plants its faults into one copy of the
clean tables, builds once, and asserts every fault's outcome (a quarantine row with
its reason, a value kept, a clear error naming the file and column...). The clean
data comes from the project's generator with its own dirt switched off, so every
quarantine row a test sees was planted by the test.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from segkit.generate.schemas import TABLES

PROJECT_DIR = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
DBT = BIN / "dbt"
# What a copy of the project needs to parse and run (copy_project).
COPIED = (".dbtignore", "dbt_project.yml", "models", "macros", "seeds", "tests", "analyses", "python_models")


def generator_digest() -> str:
    """A short digest of the generator's source files (segkit/generate/*.py)."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_DIR / "segkit" / "generate").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=4)
def _generated(customers: int, seed: int) -> Path:
    """The generator's clean output (dirt off), generated once per session and cached
    under a digest of the generator's code, so a changed generator never serves stale
    data to the tests."""
    folder = Path(os.environ.get("SEG_FAULTS_CACHE", PROJECT_DIR / "data" / "faults-cache"))
    out = folder / f"clean-{customers}-{seed}-{generator_digest()}"
    if not (out / "_manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(
            [str(BIN / "python"), "-m", "segkit.generate", "--customers", str(customers),
             "--seed", str(seed), "--dirt", "all=0", "--out", str(out)],
            cwd=PROJECT_DIR, check=True, capture_output=True, text=True,
        )
    return out


def clean_tables(customers: int = 60, seed: int = 11) -> dict[str, pd.DataFrame]:
    """Fresh copies of the seven raw tables, without planted dirt."""
    out = _generated(customers, seed)
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text (nulls stay null), the form a CSV export or a loosely typed
    landing table gives: lets a test plant '1990-02-30' in a date column."""
    text = frame.astype(object).where(frame.notna(), None)
    return text.apply(lambda column: column.map(lambda value: None if value is None else str(value)))


def write_raw(folder: Path, tables: Mapping[str, pd.DataFrame], *, text: bool = False) -> Path:
    """Writes each table to <folder>/<name>.parquet (all columns as text with text=True)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        (as_text(frame) if text else frame).to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@dataclasses.dataclass
class Build:
    """A finished `dbt build`: its output and the database it wrote."""

    folder: Path
    result: subprocess.CompletedProcess[str]

    @property
    def database(self) -> Path:
        return self.folder / "db.duckdb"

    @property
    def ok(self) -> bool:
        return self.result.returncode == 0

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.database), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def frame(self, sql: str) -> pd.DataFrame:
        con = duckdb.connect(str(self.database), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()

    def quarantined(self, source_table: str | None = None) -> pd.DataFrame:
        """Rows of the quarantine model (optionally of one source table, e.g. 'shop.orders')."""
        where = f"where source_table = '{source_table}'" if source_table else ""
        return self.frame(f"select * from staging.stg_audit__quarantined_rows {where}")

    def failures(self) -> list[str]:
        """The summary lines of failed, erroring or skipped nodes in the dbt output."""
        return [
            line for line in self.output.splitlines()
            if " ERROR " in line or "FAIL " in line or "Failure in" in line or "SKIP " in line
        ]


def dbt_build(
    folder: Path,
    raw: Path,
    *,
    args: list[str] | None = None,
    dbt_vars: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    command: str = "build",
) -> Build:
    """Runs `dbt <command>` (default: build, unit tests excluded) on `raw` into
    <folder>/db.duckdb, with its own target and log paths."""
    folder.mkdir(parents=True, exist_ok=True)
    full_env = {
        **os.environ,
        "SEG_RAW_PATH": str(raw),
        "SEG_DUCKDB_PATH": str(folder / "db.duckdb"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
        "SEG_TARGET": "duckdb",
        **(env or {}),
    }
    cmd = [str(DBT), command]
    if command == "build":
        cmd += ["--exclude-resource-type", "unit_test"]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dict(dbt_vars))]
    cmd += args or []
    result = subprocess.run(cmd, cwd=PROJECT_DIR, env=full_env, capture_output=True, text=True, check=False)
    return Build(folder, result)


def copy_project(destination: Path) -> Path:
    """A copy of the project's dbt files in destination (segkit linked, not copied), for
    tests that change a model or its YAML and run dbt on the copy."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    (destination / "segkit").symlink_to(PROJECT_DIR / "segkit")
    return destination
