"""Tests for the static HTML segment report (segkit.report): what it shows from a
small synthetic set of marts, and the legibility rules of its figures.
test_report_browser.py opens the same report in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.colors import to_rgb
from matplotlib.image import AxesImage

from segkit.report import CHARTS, main, render_report
from segkit.report.data import MARTS, read_marts
from segkit.report.formatting import contrast_ratio, format_number, text_colour, tick_label
from segkit.report.history import PSI_COLOURS
from segkit.report.page import DEFAULT_OUT
from segkit.report.plotting import CSS_PX_PER_INCH, build_figure, figure_png, png_size_css, visible_texts

PROJECT_DIR = Path(__file__).resolve().parents[2]

SEGMENTS = ("High Value", "Frequent Buyers", "Inactive")
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d|×\s*10|10\^")
# Labels must stay >= 10 px when a figure is shrunk to fit an 800 px wide window.
MIN_DESIGN_PX = 12.0
MAX_CSS_WIDTH = 920


def synthetic_marts(dates: int = 3, customers: int = 300, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The marts the report reads, small, with `dates` as_of dates of history and
    revenue large enough (hundreds of thousands) to tempt scientific notation."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i:04d}" for i in range(customers)]
    as_of = pd.date_range("2026-10-01", periods=dates, freq="D")
    segment = rng.choice(SEGMENTS, customers)
    membership = pd.DataFrame({"customer_id": ids, "segment_name": segment})
    revenue = rng.gamma(1.5, 40_000, customers)
    sizes = membership.groupby("segment_name").size()
    segment_history = pd.DataFrame([
        {"as_of_date": d, "segment_name": s, "count_members": int(sizes[s]) + i * (j + 1),
         "previous_as_of_date": as_of[i - 1], "count_members_previous": int(sizes[s]) + (i - 1) * (j + 1)}
        for i, d in enumerate(as_of) if i for j, s in enumerate(SEGMENTS)],
        columns=["as_of_date", "previous_as_of_date", "segment_name", "count_members", "count_members_previous"])
    features = ("total_revenue", "count_orders", "days_since_last_order")
    drift = pd.DataFrame([
        {"as_of_date": d, "previous_as_of_date": as_of[i - 1], "segment_name": s, "feature_name": f,
         "count_members": int(sizes[s]), "count_members_previous": int(sizes[s]),
         "population_stability_index": [0.03, 0.15, 0.6][(i + j + k) % 3] + 1e-7, "is_drifted": False}
        for i, d in enumerate(as_of) if i for j, s in enumerate(SEGMENTS) for k, f in enumerate(features)])
    kpis = pd.DataFrame({
        "as_of_date": as_of[-1], "segment_name": list(SEGMENTS), "segment_kind": "threshold",
        "segment_priority": [10, 20, 90], "count_customers": sizes.reindex(SEGMENTS).to_numpy(),
        "share_of_customers": sizes.reindex(SEGMENTS).to_numpy() / customers,
        "revenue_in_window": [302_000.5, 1_234_567.0, 0.0], "share_of_revenue": [0.2, 0.8, 0.0],
        "conversion_rate": [1.0, 0.6, 0.0], "avg_order_value": [157.16, 81.2, None],
        "repeat_purchase_rate": [1.0, 0.9, 0.7], "avg_engagement_score": [0.58, 0.32, 0.0]})
    channels = {f"revenue_in_window_{c}": kpis["revenue_in_window"] * share
                for c, share in (("web", 0.5), ("app", 0.3), ("store", 0.15), ("other", 0.05))}
    kpi_history = pd.concat([kpis.assign(as_of_date=d, count_customers=kpis["count_customers"] + i, **channels)
                             for i, d in enumerate(as_of)])
    return {
        "customer_features": pd.DataFrame({"customer_id": ids, "total_revenue": revenue,
                                           "days_since_last_order": rng.integers(0, 900, customers)}),
        "segment_membership": membership,
        "segment_history": segment_history,
        "segment_drift": drift,
        "segment_kpis": kpis,
        "segment_kpis_history": kpi_history,
        "customer_segments": pd.DataFrame({"customer_id": ids, "as_of_date": as_of[-1],
                                           "recency_score": rng.integers(1, 6, customers),
                                           "frequency_score": rng.integers(1, 6, customers)}),
        "cluster_pca_coordinates": pd.DataFrame({"customer_id": ids, "cluster_id": rng.integers(0, 3, customers),
                                                 "pc1": rng.normal(size=customers) * 20_000,
                                                 "pc2": rng.normal(size=customers)}),
        "cluster_model_selection": pd.DataFrame({"algorithm": ["kmeans"] * 3 + ["gmm"] * 3,
                                                 "cluster_count": [2, 3, 4] * 2,
                                                 "inertia": [3_500_000.0, 2_100_000.0, 1_800_000.0] * 2,
                                                 "silhouette": [0.4, 0.5, 0.3, 0.35, 0.42, 0.2],
                                                 "is_chosen": [False, True, False, False, False, False]}),
        "propensity_calibration": pd.DataFrame({
            "evaluation": ["cross_validated"] * 10 + ["out_of_time"] * 10, "probability_bin": list(range(1, 11)) * 2,
            "count_customers": [2100, 190, 70, 150, 240, 100, 160, 200, 180, 90] * 2,
            "mean_predicted_probability": list(np.linspace(0.05, 0.95, 10)) * 2,
            "observed_positive_rate": list(np.linspace(0.01, 0.8, 10)) + list(np.linspace(0.02, 0.7, 10)),
            "classifier": "random_forest"}),
        "propensity_model_diagnostics": pd.DataFrame({
            "diagnostic_type": "metric", "classifier": "random_forest",
            "diagnostic_name": ["cv_roc_auc_mean", "oot_roc_auc", "cv_precision_top_decile_mean", "cv_brier_score"],
            "diagnostic_value": [0.896057, 0.9004, 0.514286, 1.2e-5]}),
        "cluster_profiles": pd.DataFrame({"cluster_id": [0, 1, 2], "feature": "total_revenue",
                                          "cluster_description": ["high spend", "low spend", "lapsed"],
                                          "cluster_size": [100, 120, 80], "cluster_share": [1 / 3, 0.4, 0.8 / 3]}),
    }


def write_marts(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """A DuckDB file with each frame as a table in schema marts (as dbt builds them)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"create or replace table marts.{name} as select * from frame")
            con.unregister("frame")
    return path


@pytest.fixture(scope="module")
def marts() -> dict[str, pd.DataFrame]:
    with duckdb.connect() as con:
        for name, frame in synthetic_marts().items():
            con.register(name, frame)
            con.execute(f"create table {name} as select * from {name}")
            con.unregister(name)
        return read_marts(con)


@pytest.fixture(scope="module")
def marts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_marts(tmp_path_factory.mktemp("report") / "db.duckdb", synthetic_marts())


def test_report_draws_every_chart_and_table(marts_db: Path) -> None:
    with duckdb.connect(str(marts_db), read_only=True) as con:
        document = render_report(con)
    assert document.count("data:image/png;base64,") == len(CHARTS)
    assert "Not available" not in document and "appear once" not in document
    assert "as of 2026-10-03" in document
    assert "high spend" in document
    assert "<td class='num'>1,234,567</td>" in document  # revenue: thousands separators, whole units
    assert "<td class='num'>80.0%</td>" in document  # shares as percentages
    assert "<td class='num'>0.60</td>" in document  # PSI, two decimals
    assert "<td class='num'>0.896</td><td class='num'>0.900</td>" in document  # ROC-AUC, cross-validated and OOT
    assert "<td class='num'>51.4%</td><td class='num'>–</td>" in document  # precision in the top decile
    assert "<td class='num'>0.000</td>" in document  # a Brier score of 1.2e-05
    text = re.sub(r"data:image/png;base64,[^'\"]+", "", document)
    assert not SCIENTIFIC.search(re.sub(r"<[^>]+>", " ", text))
    assert "nan" not in re.sub(r"<[^>]+>", " ", text).lower().split()


@pytest.mark.parametrize("chart", CHARTS, ids=lambda chart: chart.key)
def test_figure_is_legible(chart, marts: dict[str, pd.DataFrame]) -> None:
    """Text at least MIN_DESIGN_PX, no scientific notation, and at most MAX_CSS_WIDTH px
    wide, so a 1280 px window shows it unscaled and an 800 px one shrinks it by less
    than MIN_DESIGN_PX / 10 (labels stay >= 10 px)."""
    fig = build_figure(chart, marts)
    try:
        texts = visible_texts(fig)
        width, _height = png_size_css(figure_png(fig))
    finally:
        plt.close(fig)
    assert texts
    assert not [(t.get_text(), t.get_fontsize()) for t in texts
                if t.get_fontsize() * CSS_PX_PER_INCH / 72 < MIN_DESIGN_PX]
    assert not [t.get_text() for t in texts if SCIENTIFIC.search(t.get_text())]
    assert width <= MAX_CSS_WIDTH


def cell_contrasts(fig: plt.Figure) -> list[tuple[str, float]]:
    """(label, contrast with what is under it) for every text written on a heatmap cell
    or inside a bar."""
    found = []
    for ax in fig.axes:
        images = [artist for artist in ax.get_children() if isinstance(artist, AxesImage)]
        for text in ax.texts:
            colour = to_rgb(text.get_color())
            display = text.get_window_extent().get_points().mean(axis=0)
            x, y = ax.transData.inverted().transform(display)
            for image in images:
                values = image.get_array()
                row, column = int(round(y)), int(round(x))
                if 0 <= row < values.shape[0] and 0 <= column < values.shape[1]:
                    cell = image.cmap(image.norm(np.ma.masked_invalid(values)))[row, column]
                    found.append((text.get_text(), contrast_ratio(colour, cell)))
            for patch in ax.patches:
                if patch.contains_point(display):
                    found.append((text.get_text(), contrast_ratio(colour, patch.get_facecolor())))
    return found


@pytest.mark.parametrize("key", ["kpi-heatmap", "rfm-grid", "psi-heatmap", "channel-mix"])
def test_heatmap_labels_contrast_with_their_cells(key: str, marts: dict[str, pd.DataFrame]) -> None:
    chart = next(chart for chart in CHARTS if chart.key == key)
    fig = build_figure(chart, marts)
    try:
        contrasts = cell_contrasts(fig)
    finally:
        plt.close(fig)
    assert contrasts
    assert min(ratio for _, ratio in contrasts) >= 4.5, sorted(contrasts, key=lambda c: c[1])[:3]


@pytest.mark.parametrize("cmap", ["YlGnBu", "Blues", "viridis"])
def test_text_colour_contrasts_with_every_colour_of_a_map(cmap: str) -> None:
    colours = plt.get_cmap(cmap)(np.linspace(0, 1, 256))
    assert min(contrast_ratio(text_colour(c), c) for c in colours) >= 4.5
    psi = [to_rgb(c) for c in PSI_COLOURS]
    assert min(contrast_ratio(text_colour(c), c) for c in psi) >= 4.5


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (302_000.0, "number", "302,000"), (3.02e5, "money", "302,000"), (1234.5, "average", "1,234.50"),
    (0.3633, "percent", "36.3%"), (1, "percent", "100.0%"), (12345, "integer", "12,345"),
    (float("nan"), "number", "–"), (None, "percent", "–"), (1e-7, "number", "<0.001"),
    (0.6000001, "index", "0.60"), (0.125, "number", "0.125"), (True, "flag", "yes"),
])
def test_format_number(value: object, kind: str, expected: str) -> None:
    assert format_number(value, kind) == expected


def test_numbers_and_ticks_never_use_scientific_notation() -> None:
    values = np.concatenate([10.0 ** np.arange(-9, 13), -(10.0 ** np.arange(-9, 13)), [0.0, 2.5e-4, 3.02e5]])
    for kind in ("number", "money", "average", "percent", "integer", "index"):
        assert not [v for v in values if SCIENTIFIC.search(format_number(v, kind))]
    assert not [v for v in values if SCIENTIFIC.search(tick_label(v))]
    assert [tick_label(v) for v in (0.5, 2.0, 1500.0, 2_000_000.0, -0.0)] == ["0.5", "2", "1,500", "2,000,000", "0"]


def test_missing_marts_and_short_history_give_notes_not_failures(tmp_path: Path) -> None:
    frames = synthetic_marts(dates=1)
    del frames["segment_kpis_history"], frames["segment_drift"]
    with duckdb.connect(str(write_marts(tmp_path / "one_date.duckdb", frames)), read_only=True) as con:
        document = render_report(con)
    assert "Not available: segment_kpis_history is missing in this database." in document
    assert "Not available: segment_drift is missing in this database." in document
    assert "Lines appear once segment_history covers two as_of dates (none yet)" in document
    assert document.count("data:image/png;base64,") == len(CHARTS) - 5


def test_cli_writes_outside_target_and_refuses_a_missing_database(marts_db: Path, tmp_path: Path) -> None:
    assert DEFAULT_OUT == Path("reports/segment_report.html")
    out = tmp_path / "report" / "segments.html"
    assert main(["--database", str(marts_db), "--out", str(out)]) == 0
    assert out.read_text().startswith("<!doctype html>")
    with pytest.raises(SystemExit):
        main(["--database", str(tmp_path / "nope.duckdb")])



def test_the_exposure_lists_the_marts_the_report_reads() -> None:
    exposures = yaml.safe_load((PROJECT_DIR / "models/marts/segments/_segments__exposures.yml").read_text())
    report = next(e for e in exposures["exposures"] if e["name"] == "segment_report")
    assert {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in report["depends_on"]} == set(MARTS)
