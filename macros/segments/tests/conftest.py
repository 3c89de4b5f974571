"""Helpers to run dbt from pytest against an isolated target path and DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]


def run_dbt(args: list[str], work_dir: Path, raw_path: Path | None = None) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this venv in the project, with target, logs and DuckDB under work_dir."""
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "SEG_DUCKDB_PATH": str(work_dir / "db.duckdb"),
        "SEG_RAW_PATH": str(raw_path or work_dir / "raw"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def dbt_work_dir(tmp_path: Path) -> Path:
    """A fresh directory for one dbt invocation's artefacts."""
    return tmp_path
