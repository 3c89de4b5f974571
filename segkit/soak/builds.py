"""One ``dbt build`` as its own process, in its own target, log path and database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]  # segkit/soak/ is two levels below the project
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass
class Build:
    kind: str
    status: str  # success | error
    seconds: float
    returncode: int
    failures: list[str]
    log: str


def dbt_executable() -> Path:
    """The dbt of the running virtualenv."""
    return Path(sys.executable).with_name("dbt")


def failed_nodes(run_results: Path) -> list[str]:
    """'unique_id: message' of every node that errored or failed in run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return [
        f"{result['unique_id']}: {(result.get('message') or result['status']).strip()[:300]}"
        for result in results
        if result.get("status") in FAILED_STATUSES
    ]


def run_build(
    kind: str,
    as_of: str,
    raw: Path,
    database: Path,
    target: Path,
    dbt_logs: Path,
    log_file: Path,
    threads: int | None,
    extra_args: list[str],
) -> Build:
    """One ``dbt build`` as its own process, in its own target and log paths, so builds
    by others in the same project do not clash; its output captured to ``log_file``."""
    command = [
        str(dbt_executable()), "build",
        # cluster_refit / propensity_refit=always: a nightly build that reuses a model
        # fitted weeks ago cannot equal a from-scratch build that fits today, so every build
        # fits and the soak keeps proving data equality; the life cycles themselves are
        # proved by segkit/tests/test_cluster_life_cycle.py.
        "--vars", json.dumps({"cluster_refit": "always", "propensity_refit": "always"}),
        "--target-path", str(target),
        "--log-path", str(dbt_logs),
        *extra_args,
    ]  # fmt: skip
    # The night's date goes in SEG_AS_OF, as a nightly schedule sets it: unlike a var, a
    # new date keeps dbt's partial parsing (macro as_of()), and each kind of build keeps
    # its target path, database and --vars from night to night, so only the first
    # night parses the project in full. It replaces any SEG_AS_OF of the caller.
    env = {
        **os.environ,
        "SEG_RAW_PATH": str(raw),
        "SEG_DUCKDB_PATH": str(database),
        "SEG_AS_OF": as_of,
    }
    if threads:
        env["SEG_THREADS"] = str(threads)
    run_results = target / "run_results.json"
    run_results.unlink(missing_ok=True)  # a crash must not leave the previous night's results
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log_file.open("w") as log:
        returncode = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        ).returncode
    seconds = time.perf_counter() - started
    failures = failed_nodes(run_results) if run_results.exists() else []
    if returncode and not failures:
        failures = [f"dbt exited {returncode}: {error_gist(log_file)}"]
    return Build(
        kind,
        "error" if returncode else "success",
        round(seconds, 1),
        returncode,
        failures,
        display_path(log_file),
    )


def display_path(path: Path) -> str:
    """Relative to the project when inside it, so committed results name no machine."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def log_lines(path: Path) -> list[str]:
    """The captured dbt output without colour codes or blank lines."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", path.read_text(errors="replace"))
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def error_gist(path: Path) -> str:
    """What dbt said when it stopped before writing run_results.json: the lines after
    'Encountered an error', else the last line."""
    lines = log_lines(path)
    for index, line in enumerate(lines):
        if "Encountered an error" in line:
            return " ".join(part.strip() for part in lines[index + 1 : index + 4])[:300]
    return lines[-1][:300] if lines else "no output"


def log_tail(path: Path, lines: int = 20) -> str:
    return "\n".join(log_lines(path)[-lines:])


def remove_database(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
