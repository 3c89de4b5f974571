"""Run one command as a child process and measure its wall time and peak memory.

Peak memory is the child's maximum resident set size as reported by the kernel at
``wait4`` (it covers the child's own waited-for descendants too), so each
measurement is of a whole process, not of Python objects.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one finished command."""

    label: str
    wall_seconds: float
    peak_rss_mib: float
    returncode: int


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None,
                 log_path: str | None = None) -> Measurement:
    """Run `command` to completion; raise if it fails, so a broken run never yields a figure."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if log_path:
            log.close()
    returncode = os.waitstatus_to_exitcode(status)
    process.returncode = returncode
    if returncode != 0:
        where = f"; see {log_path}" if log_path else ""
        raise RuntimeError(f"{label}: {' '.join(command)} exited with {returncode}{where}")
    # Linux reports ru_maxrss in KiB.
    return Measurement(label, wall, usage.ru_maxrss / 1024.0, returncode)
