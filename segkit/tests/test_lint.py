"""segkit.lint keeps sqlfluff's exit code (it only skips the interpreter's shutdown)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from segkit.lint import run


def lint(path: Path) -> int:
    return run(["lint", "--dialect", "duckdb", "--templater", "raw", "--rules", "CP01", str(path)])


def test_run_returns_sqlfluffs_exit_code(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "clean.sql", tmp_path / "dirty.sql"
    clean.write_text("select 1 as one\n")
    dirty.write_text("SELECT 1 as one\n")
    assert lint(clean) == 0
    assert lint(dirty) == 1


def test_module_exits_with_that_code(tmp_path: Path) -> None:
    dirty = tmp_path / "dirty.sql"
    dirty.write_text("SELECT 1 as one\n")
    result = subprocess.run(
        [sys.executable, "-m", "segkit.lint", "lint", "--dialect", "duckdb", "--templater", "raw",
         "--rules", "CP01", str(dirty)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "CP01" in result.stdout
