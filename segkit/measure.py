"""Run one command as a child process and measure its wall time and peak memory.

Peak memory is the child's maximum resident set size as reported by the kernel at
``wait4`` (it covers the child's own waited-for descendants too), so each
measurement is of a whole process, not of Python objects. On request the resident
memory of the child's process tree is also sampled while it runs, to say *when* the
peak happened (and so, for a dbt run, which nodes were running then); the figure
reported stays the kernel's.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


class StepFailed(RuntimeError):
    """A measured command exited with a non-zero status (the message names the step,
    the command and its log)."""


@dataclass(frozen=True)
class Measurement:
    """Wall time and peak resident memory of one finished command; with sampling, the
    Unix time of the highest sample of the process tree's resident memory and that
    sample (MiB)."""

    label: str
    wall_seconds: float
    peak_rss_mib: float
    returncode: int
    peak_sampled_at: float | None = None
    peak_sampled_mib: float | None = None


def process_tree_rss_mib(pid: int, proc: Path = Path("/proc")) -> float:
    """Resident memory (MiB) of process `pid` and all its descendants, from the Linux
    /proc files (`stat` for the parent of each process, `status` for VmRSS). A process
    that ends while it is read counts as 0."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the command name in parentheses may hold spaces: the parent id is the
            # second field after the last ')'
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total_kib, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in (proc / str(current) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            pass
        pending.extend(children.get(current, []))
    return total_kib / 1024.0


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None,
                 log_path: str | None = None, sample_every: float | None = None) -> Measurement:
    """Run `command` to completion; raise if it fails, so a broken run never yields a figure.
    With `sample_every` (seconds), the process tree's resident memory is sampled that
    often and the time of the highest sample is reported too."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    samples: list[tuple[float, float]] = []
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = None
        if sample_every:
            finished = threading.Event()

            def sample() -> None:
                while not finished.wait(sample_every):
                    samples.append((time.time(), process_tree_rss_mib(process.pid)))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if sampler is not None:
            finished.set()
            sampler.join()
    finally:
        if log_path:
            log.close()
    returncode = os.waitstatus_to_exitcode(status)
    process.returncode = returncode
    if returncode != 0:
        where = f"; see {log_path}" if log_path else ""
        raise StepFailed(f"{label}: {' '.join(command)} exited with {returncode}{where}")
    peak_at, peak_mib = max(samples, key=lambda s: s[1]) if samples else (None, None)
    # Linux reports ru_maxrss in KiB.
    return Measurement(label, wall, usage.ru_maxrss / 1024.0, returncode, peak_at, peak_mib)
