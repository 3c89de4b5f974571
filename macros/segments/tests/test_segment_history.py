"""Building twice with two as_of dates fills segment_history and segment_drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import run_dbt

EARLIER_AS_OF = "2026-08-31"
LATER_AS_OF = "2026-10-31"


def test_two_builds_fill_history_and_drift(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    subprocess.run(
        [sys.executable, "-m", "segkit.generate", "--customers", "400", "--seed", "7", "--out", str(raw)],
        check=True, capture_output=True,
    )
    seeded = run_dbt(["seed"], tmp_path, raw)
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    for as_of in (EARLIER_AS_OF, LATER_AS_OF):
        result = run_dbt(
            ["run", "--select", "+segment_drift", "--vars", f"{{as_of: '{as_of}'}}"],
            tmp_path, raw,
        )
        assert result.returncode == 0, result.stdout[-3000:]
    tests = run_dbt(["test", "--select", "segment_history", "segment_drift", "segment_membership_history"], tmp_path, raw)
    assert tests.returncode == 0, tests.stdout[-3000:]

    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    history = con.execute(
        "select count(*), sum(count_entries), sum(count_exits), min(previous_as_of_date) "
        "from marts.segment_history"
    ).fetchall()[0]
    drift = con.execute(
        "select count(*), count(population_stability_index), max(population_stability_index), "
        "max(kl_divergence), max(chi_square) from marts.segment_drift"
    ).fetchall()[0]
    stored = con.execute(
        "select count(distinct as_of_date) from marts.segment_membership_history"
    ).fetchall()[0][0]

    assert stored == 2
    assert history[0] > 0 and history[1] > 0 and history[2] > 0
    assert str(history[3]) == EARLIER_AS_OF
    assert drift[0] > 0 and drift[1] > 0
    assert drift[2] > 0 and drift[3] > 0 and drift[4] > 0
