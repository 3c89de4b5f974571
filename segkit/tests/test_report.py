"""Tests for the static HTML segment report."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from segkit.report import CHARTS, main, render_report


@pytest.fixture()
def marts_db(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 60
    ids = [f"c{i}" for i in range(n)]
    frames = {
        "customer_features": pd.DataFrame({"customer_id": ids, "total_revenue": rng.gamma(2, 100, n),
                                           "days_since_last_order": rng.integers(0, 300, n)}),
        "segment_membership": pd.DataFrame({"customer_id": ids, "segment_name": ["A", "B", "C"] * 20}),
        "segment_kpis": pd.DataFrame({"segment_name": ["A", "B", "C"], "customer_count": [20, 20, 20],
                                      "revenue_share": [0.5, 0.3, 0.2]}),
        "customer_segments": pd.DataFrame({"customer_id": ids, "as_of_date": pd.Timestamp("2026-10-31"),
                                           "recency_score": rng.integers(1, 6, n),
                                           "frequency_score": rng.integers(1, 6, n)}),
        "cluster_pca_coordinates": pd.DataFrame({"customer_id": ids, "cluster_id": rng.integers(0, 3, n),
                                                 "pc1": rng.normal(size=n), "pc2": rng.normal(size=n)}),
        "cluster_model_selection": pd.DataFrame({"algorithm": ["kmeans"] * 3, "cluster_count": [2, 3, 4],
                                                 "silhouette": [0.4, 0.5, 0.3],
                                                 "is_chosen": [False, True, False]}),
        "cluster_profiles": pd.DataFrame({"cluster_id": [0, 1], "cluster_description": ["high spend", "low"],
                                          "cluster_size": [30, 30], "cluster_share": [0.5, 0.5]}),
    }
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"create table marts.{name} as select * from frame")
            con.unregister("frame")
    return path


def test_report_draws_every_chart_whose_marts_exist(marts_db: Path) -> None:
    with duckdb.connect(str(marts_db), read_only=True) as con:
        document = render_report(con)
    assert document.count("data:image/png;base64,") == len(CHARTS) - 1
    assert "Not available: segment_membership_history is missing or empty." in document
    assert "as of 2026-10-31" in document
    assert "high spend" in document


def test_cli_writes_the_file_and_refuses_a_missing_database(marts_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "segments.html"
    assert main(["--database", str(marts_db), "--out", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")
    with pytest.raises(SystemExit):
        main(["--database", str(tmp_path / "nope.duckdb")])
