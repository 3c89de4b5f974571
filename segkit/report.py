"""Static HTML segment report, generated from the public marts of a built DuckDB file.

    python -m segkit.report --database data/segmentation.duckdb --out target/segment_report.html

One self-contained file (charts embedded as PNG): segment sizes, a KPI heatmap, the
RFM grid, spend and recency per segment as box plots, the cluster scatter on the
2-D PCA coordinates, the k-selection curves, and segment sizes over the as-of dates
in the history. The report reads only public marts, so it shows what BI tools see;
it is the `segment_report` exposure in models/marts/segments.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from segkit.summary import find_relation  # noqa: E402


@dataclass(frozen=True)
class Chart:
    """One figure of the report: the marts it needs and how to draw it."""

    title: str
    marts: tuple[str, ...]
    draw: Callable[[dict[str, pd.DataFrame], plt.Axes], None]
    note: str = ""


def read_marts(con: duckdb.DuckDBPyConnection, names: set[str]) -> dict[str, pd.DataFrame]:
    """Each mart that exists, as a DataFrame (missing marts are simply absent)."""
    frames: dict[str, pd.DataFrame] = {}
    for name in sorted(names):
        relation = find_relation(con, name)
        if relation is not None:
            frames[name] = con.execute(f"select * from {relation}").df()
    return frames


def draw_sizes(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    sizes = marts["segment_membership"].groupby("segment_name").size().sort_values()
    ax.barh(sizes.index, sizes.to_numpy(), color="#4C72B0")
    ax.set_xlabel("customers")


def draw_kpi_heatmap(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    kpis = marts["segment_kpis"].set_index("segment_name").select_dtypes("number")
    kpis = kpis.drop(columns=["segment_priority"], errors="ignore")
    kpis = kpis.loc[:, kpis.notna().any()]
    spread = (kpis - kpis.min()) / (kpis.max() - kpis.min()).replace(0, np.nan)
    ax.imshow(spread.fillna(0).to_numpy(), cmap="viridis", aspect="auto")
    ax.set_yticks(range(len(kpis.index)), kpis.index)
    ax.set_xticks(range(len(kpis.columns)), kpis.columns, rotation=45, ha="right")
    for (row, column), value in np.ndenumerate(kpis.to_numpy(dtype=float)):
        ax.text(column, row, "" if np.isnan(value) else f"{value:,.3g}", ha="center", va="center",
                fontsize=6, color="white")


def draw_rfm_grid(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    segments = marts["customer_segments"].dropna(subset=["recency_score", "frequency_score"])
    grid = pd.crosstab(segments["frequency_score"], segments["recency_score"]).reindex(
        index=range(1, 6), columns=range(1, 6), fill_value=0)
    ax.imshow(grid.to_numpy(), cmap="Blues", origin="lower")
    ax.set_xticks(range(5), range(1, 6))
    ax.set_yticks(range(5), range(1, 6))
    ax.set_xlabel("recency score")
    ax.set_ylabel("frequency score")
    for (row, column), value in np.ndenumerate(grid.to_numpy()):
        ax.text(column, row, f"{value:,}", ha="center", va="center", fontsize=7)


def _members_with(marts: dict[str, pd.DataFrame], feature: str) -> tuple[list[str], list[np.ndarray]]:
    joined = marts["segment_membership"].merge(marts["customer_features"][["customer_id", feature]],
                                               on="customer_id")
    groups = joined.dropna(subset=[feature]).groupby("segment_name")[feature]
    names = sorted(groups.groups)
    return names, [groups.get_group(name).astype(float).to_numpy() for name in names]


def draw_spend_boxplot(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    names, values = _members_with(marts, "total_revenue")
    ax.boxplot([np.log1p(v) for v in values], orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.set_xlabel("log(1 + lifetime revenue)")


def draw_recency_boxplot(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    names, values = _members_with(marts, "days_since_last_order")
    ax.boxplot(values, orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.set_xlabel("days since last order")


def draw_cluster_scatter(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    points = marts["cluster_pca_coordinates"]
    points = points.sample(min(len(points), 5000), random_state=0)
    for cluster_id, group in points.groupby("cluster_id"):
        ax.scatter(group["pc1"], group["pc2"], s=4, alpha=0.5, label=f"cluster {cluster_id}")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.legend(fontsize=7, markerscale=3)


def draw_k_selection(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    selection = marts["cluster_model_selection"].dropna(subset=["silhouette"])
    for algorithm, group in selection.groupby("algorithm"):
        group = group.sort_values("cluster_count")
        ax.plot(group["cluster_count"], group["silhouette"], marker="o", label=algorithm)
    chosen = selection[selection["is_chosen"].astype(bool)]
    ax.scatter(chosen["cluster_count"], chosen["silhouette"], s=120, facecolors="none", edgecolors="red",
               label="chosen")
    ax.set_xlabel("k")
    ax.set_ylabel("silhouette (sample)")
    ax.legend(fontsize=7)


def draw_history(marts: dict[str, pd.DataFrame], ax: plt.Axes) -> None:
    history = marts["segment_membership_history"]
    sizes = history.groupby(["as_of_date", "segment_name"]).size().unstack(fill_value=0).sort_index()
    for segment in sizes.columns:
        ax.plot(pd.to_datetime(sizes.index), sizes[segment], marker="o", label=segment)
    ax.set_ylabel("members")
    ax.legend(fontsize=6, ncol=2)
    ax.figure.autofmt_xdate()


CHARTS: tuple[Chart, ...] = (
    Chart("Segment sizes", ("segment_membership",), draw_sizes,
          "A customer can belong to several segments; see customer_segments for the primary one."),
    Chart("KPIs per segment (colour: min-max within each KPI)", ("segment_kpis",), draw_kpi_heatmap),
    Chart("RFM grid: customers per recency × frequency score", ("customer_segments",), draw_rfm_grid),
    Chart("Lifetime revenue per segment", ("segment_membership", "customer_features"), draw_spend_boxplot),
    Chart("Recency per segment", ("segment_membership", "customer_features"), draw_recency_boxplot),
    Chart("Clusters on the first two principal components", ("cluster_pca_coordinates",), draw_cluster_scatter),
    Chart("Choosing k", ("cluster_model_selection",), draw_k_selection),
    Chart("Segment sizes over as-of dates", ("segment_membership_history",), draw_history,
          "One point per as_of build kept in the history."),
)


def figure_png(chart: Chart, marts: dict[str, pd.DataFrame]) -> str:
    """The chart as a base64 PNG."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    try:
        chart.draw(marts, ax)
        ax.set_title(chart.title, fontsize=10)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
    finally:
        plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def table_html(frame: pd.DataFrame, max_rows: int = 40) -> str:
    return frame.head(max_rows).to_html(index=False, float_format=lambda v: f"{v:,.3f}", border=0,
                                        classes="data")


def render_report(con: duckdb.DuckDBPyConnection) -> str:
    """The whole report as one HTML document. A chart whose marts are missing says so."""
    needed = {name for chart in CHARTS for name in chart.marts} | {"cluster_profiles"}
    marts = read_marts(con, needed)
    sections = []
    for chart in CHARTS:
        missing = [name for name in chart.marts if name not in marts or marts[name].empty]
        if missing:
            body = f"<p class='missing'>Not available: {html.escape(', '.join(missing))} is missing or empty.</p>"
        else:
            body = f"<img alt='{html.escape(chart.title)}' src='data:image/png;base64,{figure_png(chart, marts)}'>"
        note = f"<p class='note'>{html.escape(chart.note)}</p>" if chart.note else ""
        sections.append(f"<section><h2>{html.escape(chart.title)}</h2>{note}{body}</section>")
    if "segment_kpis" in marts:
        sections.append(f"<section><h2>Segment KPIs</h2>{table_html(marts['segment_kpis'])}</section>")
    if "cluster_profiles" in marts:
        profiles = marts["cluster_profiles"]
        described = profiles.drop_duplicates("cluster_id")[["cluster_id", "cluster_description", "cluster_size",
                                                            "cluster_share"]]
        sections.append(f"<section><h2>Cluster profiles</h2>{table_html(described)}</section>")
    as_of = ""
    if "customer_segments" in marts and not marts["customer_segments"].empty:
        as_of = f" as of {marts['customer_segments']['as_of_date'].max()}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Segment report</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "section{margin-bottom:2.5em}img{max-width:100%}.note,.missing{color:#666;font-size:.9em}"
        "table.data{border-collapse:collapse;font-size:.8em}table.data td,table.data th{padding:3px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}</style></head><body>"
        f"<h1>Customer segments{html.escape(as_of)}</h1>{''.join(sections)}</body></html>"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("data/segmentation.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("target/segment_report.html"))
    args = parser.parse_args(argv)
    if not args.database.exists():
        parser.error(f"{args.database} does not exist: run `make demo` (or `dbt build`) first")
    with duckdb.connect(str(args.database), read_only=True) as con:
        document = render_report(con)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(document)
    print(f"wrote {args.out} ({len(document) / 1024:,.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
