"""The report as one self-contained HTML page: figures, tables, notes, and the CLI."""

from __future__ import annotations

import argparse
import html
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import pandas as pd

from segkit.report.charts import CHARTS
from segkit.report.history import PSI_BANDS, latest_drift
from segkit.report.plotting import (
    CSS_PX_PER_INCH,
    Chart,
    Marts,
    build_figure,
    figure_png,
    png_size_css,
    visible_texts,
)
from segkit.report.data import read_marts
from segkit.report.formatting import column_kind, format_number

DEFAULT_OUT = Path("reports/segment_report.html")

KPI_TABLE: tuple[tuple[str, str], ...] = (
    ("segment_name", "Segment"),
    ("count_customers", "Customers"),
    ("share_of_customers", "Share of customers"),
    ("revenue_in_window", "Revenue in window"),
    ("share_of_revenue", "Share of revenue"),
    ("conversion_rate", "Conversion"),
    ("avg_order_value", "Avg order value"),
    ("repeat_purchase_rate", "Repeat rate"),
    ("avg_engagement_score", "Engagement"),
)

CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; background: #fff;
       max-width: 960px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .4rem; }
nav ul { columns: 2 14rem; padding-left: 1.2rem; margin: .4rem 0; }
a { color: #0b57a4; }
img { display: block; max-width: 100%; height: auto; }
.note { color: #444; font-size: .9rem; margin: .2rem 0 .6rem; }
.missing { color: #444; background: #f5f5f5; border-left: 4px solid #999; padding: .5rem .8rem; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .875rem; }
th, td { padding: .3rem .45rem; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
table.compact { width: auto; min-width: 60%; }
th.text, td.text { text-align: left; overflow-wrap: break-word; hyphens: auto; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
@media (max-width: 900px) {
  body { padding: .6rem; }
  table { font-size: .8125rem; }
  th, td { padding: .25rem .3rem; }
}
"""


def _cell(value: object, column: str) -> str:
    if isinstance(value, str) or column_kind(column) == "flag":
        return f"<td class='text'>{html.escape(format_number(value, column_kind(column)))}</td>"
    return f"<td class='num'>{html.escape(format_number(value, column_kind(column)))}</td>"


def table_html(frame: pd.DataFrame, headers: dict[str, str], *, max_rows: int = 40) -> str:
    """A table with human headers and formatted cells, wrapped so it never widens the page."""
    columns = [c for c in headers if c in frame.columns]
    head = "".join(
        f"<th class='{'text' if frame[c].dtype == object else 'num'}' scope='col'>{html.escape(headers[c])}</th>"
        for c in columns)
    rows = "".join("<tr>" + "".join(_cell(row[c], c) for c in columns) + "</tr>"
                   for _, row in frame.head(max_rows).iterrows())
    more = (f"<p class='note'>First {max_rows:,} of {len(frame):,} rows.</p>" if len(frame) > max_rows else "")
    return f"<div class='table-wrap'><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>{more}"


def psi_explainer() -> str:
    low, high = PSI_BANDS
    return (
        "<p class='note'>The population stability index compares a segment's members at an as_of date "
        "with its members at the previous one, per drift feature (var <code>segment_drift_features</code>): "
        "PSI = Σ (p<sub>now</sub> − p<sub>before</sub>) · ln(p<sub>now</sub> / p<sub>before</sub>) over the "
        "previous members' quantile bins (var <code>segment_drift_bins</code>) plus a bin for missing values. "
        f"Rule of thumb: below {low} the distribution has not really moved; {low} to {high} is a moderate "
        f"shift worth a look; {high} or more is a major shift. The project's warning test fires above var "
        "<code>segment_drift_psi_threshold</code> (<code>segment_drift.is_drifted</code>). PSI on a few dozen "
        "members is noisy: the member count stands beside each segment.</p>"
    )


def drift_table(marts: Marts) -> str:
    latest = latest_drift(marts).dropna(subset=["population_stability_index"])
    top = latest.sort_values("population_stability_index", ascending=False).head(10).copy()
    top["feature_name"] = top["feature_name"].str.replace("_", " ")
    top["band"] = pd.cut(top["population_stability_index"], [-float("inf"), *PSI_BANDS, float("inf")],
                         right=False, labels=["stable", "moderate", "major"]).astype(str)
    headers = {"segment_name": "Segment", "feature_name": "Feature", "count_members_previous": "Members before",
               "count_members": "Members now", "population_stability_index": "PSI", "band": "Band"}
    return "<h3>Largest shifts at the latest as_of date</h3>" + table_html(top, headers)


PROPENSITY_METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("ROC-AUC", "cv_roc_auc_mean", "oot_roc_auc", "index3"),
    ("PR-AUC", "cv_pr_auc_mean", "oot_pr_auc", "index3"),
    ("Precision in the top decile", "cv_precision_top_decile_mean", "oot_precision_top_decile", "percent"),
    ("Brier score (lower is better)", "cv_brier_score", "oot_brier_score", "index3"),
    ("Expected calibration error", "cv_expected_calibration_error", "oot_expected_calibration_error", "index3"),
    ("Share of positives", "positive_share", "oot_positive_share_evaluated", "percent"),
)


def propensity_table(marts: Marts) -> str:
    """The classifier's quality, cross-validated and out of time, from propensity_model_diagnostics."""
    diagnostics = marts.get("propensity_model_diagnostics")
    if diagnostics is None or diagnostics.empty:
        return ""
    values = diagnostics.drop_duplicates("diagnostic_name").set_index("diagnostic_name")["diagnostic_value"]

    def cell(name: str, kind: str) -> str:
        value = values.get(name)
        text = f"{value:.3f}" if kind == "index3" and value is not None else format_number(value, kind)
        return f"<td class='num'>{html.escape(text)}</td>"

    rows = "".join(f"<tr><td class='text'>{html.escape(label)}</td>{cell(cv, kind)}{cell(oot, kind)}</tr>"
                   for label, cv, oot, kind in PROPENSITY_METRICS if cv in values.index or oot in values.index)
    if not rows:
        return ""
    return ("<div class='table-wrap'><table class='compact'><thead><tr><th class='text' scope='col'>Metric</th>"
            "<th class='num' scope='col'>Cross-validated</th><th class='num' scope='col'>Out of time</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>")


def chart_section(chart: Chart, marts: Marts) -> str:
    """A figure with its note, or a short note saying why it cannot be drawn yet."""
    missing = [name for name in chart.marts if name not in marts]
    empty = [name for name in chart.marts if name in marts and marts[name].empty]
    reason = (f"Not available: {', '.join(missing)} is missing in this database." if missing
              else chart.unavailable(marts)
              or (f"Not available: {', '.join(empty)} is empty in this database." if empty else None))
    if reason:
        body = f"<p class='missing'>{html.escape(reason)}</p>"
    else:
        fig = build_figure(chart, marts)
        try:
            smallest_points = min(text.get_fontsize() for text in visible_texts(fig))
            png = figure_png(fig)
        finally:
            plt.close(fig)
        width, height = png_size_css(png)
        body = (f"<img alt='{html.escape(chart.title)}' width='{width}' height='{height}' "
                f"data-min-label-px='{smallest_points * CSS_PX_PER_INCH / 72:.1f}' "
                f"src='data:image/png;base64,{png}'>")
    note = f"<p class='note'>{html.escape(chart.note)}</p>" if chart.note and not reason else ""
    extra = ""
    if chart.key == "psi-heatmap" and not reason:
        note, extra = psi_explainer(), drift_table(marts)
    if chart.key == "propensity-calibration":
        extra = propensity_table(marts)
    return f"<section id='{chart.key}'><h2>{html.escape(chart.title)}</h2>{note}{body}{extra}</section>"


def render_report(con: duckdb.DuckDBPyConnection) -> str:
    """The whole report as one HTML document."""
    marts = read_marts(con)
    sections = [chart_section(chart, marts) for chart in CHARTS]
    toc = [(chart.key, chart.title) for chart in CHARTS]
    if "segment_kpis" in marts and not marts["segment_kpis"].empty:
        kpis = marts["segment_kpis"]
        if "segment_priority" in kpis.columns:
            kpis = kpis.sort_values(["segment_priority", "segment_name"])
        sections.insert(2, "<section id='kpi-table'><h2>Segment KPIs</h2><p class='note'>Revenue and its share "
                        "cover the last var <code>segment_kpi_window_days</code> days.</p>"
                        f"{table_html(kpis, dict(KPI_TABLE))}</section>")
        toc.insert(2, ("kpi-table", "Segment KPIs"))
    if "cluster_profiles" in marts and not marts["cluster_profiles"].empty:
        described = marts["cluster_profiles"].drop_duplicates("cluster_id").sort_values("cluster_id")
        headers = {"cluster_id": "Cluster", "cluster_size": "Customers", "cluster_share": "Share",
                   "cluster_description": "Description"}
        position = [key for key, _ in toc].index("cluster-scatter") + 1
        sections.insert(position, f"<section id='cluster-profiles'><h2>Cluster profiles</h2>"
                                  f"{table_html(described, headers)}</section>")
        toc.insert(position, ("cluster-profiles", "Cluster profiles"))
    as_of = ""
    if "customer_segments" in marts and not marts["customer_segments"].empty:
        as_of = f" as of {pd.Timestamp(marts['customer_segments']['as_of_date'].max()):%Y-%m-%d}"
    nav = "".join(f"<li><a href='#{key}'>{html.escape(title)}</a></li>" for key, title in toc)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>Segment report{html.escape(as_of)}</title><style>{CSS}</style></head><body>"
        f"<h1>Customer segments{html.escape(as_of)}</h1>"
        "<p class='note'>Generated by <code>make report</code> (segkit.report) from the public marts; "
        "docs/report.md explains each section.</p>"
        f"<nav><ul>{nav}</ul></nav>{''.join(sections)}</body></html>"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Static HTML segment report from a built DuckDB file.")
    parser.add_argument("--database", type=Path, default=Path("data/segmentation.duckdb"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.database.exists():
        parser.error(f"{args.database} does not exist: run `make demo` (or `dbt build`) first")
    with duckdb.connect(str(args.database), read_only=True) as con:
        document = render_report(con)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document)
    print(f"wrote {args.out} ({len(document) / 1024:,.0f} KiB)")
    return 0
