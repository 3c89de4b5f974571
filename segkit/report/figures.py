"""The report's figures of one as_of date: sizes, KPIs, RFM, distributions, clusters,
model selection and the propensity model's calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from segkit.report.formatting import column_kind, format_number, tick_label
from segkit.report.plotting import MIN_FONT_POINTS, Marts, annotate_cells, legend_outside, plain_ticks, plt

KPI_COLUMNS: tuple[tuple[str, str], ...] = (
    ("count_customers", "customers"),
    ("share_of_customers", "share of\ncustomers"),
    ("share_of_revenue", "share of\nrevenue"),
    ("conversion_rate", "conversion"),
    ("avg_order_value", "avg order\nvalue"),
    ("repeat_purchase_rate", "repeat\nrate"),
    ("avg_engagement_score", "engagement"),
)


def draw_sizes(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    sizes = marts["segment_membership"].groupby("segment_name").size().sort_values()
    customers = len(marts["customer_segments"]) if "customer_segments" in marts else 0
    bars = ax.barh(sizes.index, sizes.to_numpy(), color="#4C72B0")
    labels = [f"{n:,}" + (f" ({n / customers:.1%})" if customers else "") for n in sizes.to_numpy()]
    ax.bar_label(bars, labels, padding=3, fontsize=MIN_FONT_POINTS)
    ax.set_xlim(0, sizes.max() * 1.25)
    ax.set_xlabel("customers")
    plain_ticks(ax, "x")


def draw_kpi_heatmap(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    kpis = marts["segment_kpis"]
    if "segment_priority" in kpis.columns:
        kpis = kpis.sort_values(["segment_priority", "segment_name"])
    kpis = kpis.set_index("segment_name")
    columns = [(c, label) for c, label in KPI_COLUMNS if c in kpis.columns and kpis[c].notna().any()]
    values = kpis[[c for c, _ in columns]].astype(float)
    spread = (values - values.min()) / (values.max() - values.min()).replace(0, np.nan)
    spread = spread.where(values.isna(), spread.fillna(0.5))
    cmap = plt.get_cmap("YlGnBu").with_extremes(bad="#eeeeee")
    image = ax.imshow(np.ma.masked_invalid(spread.to_numpy(dtype=float)), cmap=cmap, aspect="auto", vmin=0,
                      vmax=1)
    ax.set_yticks(range(len(values.index)), values.index)
    ax.set_xticks(range(len(columns)), [label for _, label in columns])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    labels = np.array([[format_number(v, column_kind(c)) for c, v in row.items()] for _, row in values.iterrows()],
                      dtype=object)
    annotate_cells(ax, image, labels)


def draw_rfm_grid(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    segments = marts["customer_segments"].dropna(subset=["recency_score", "frequency_score"])
    grid = pd.crosstab(segments["frequency_score"], segments["recency_score"]).reindex(
        index=range(1, 6), columns=range(1, 6), fill_value=0)
    image = ax.imshow(grid.to_numpy(), cmap="Blues", origin="lower")
    ax.set_xticks(range(5), range(1, 6))
    ax.set_yticks(range(5), range(1, 6))
    ax.set_xlabel("recency score (5 = most recent)")
    ax.set_ylabel("frequency score (5 = most orders)")
    annotate_cells(ax, image, np.vectorize(lambda n: f"{n:,}")(grid.to_numpy()).astype(object))


def _members_with(marts: Marts, feature: str) -> tuple[list[str], list[np.ndarray]]:
    features = marts["customer_features"]
    joined = marts["segment_membership"].merge(features[["customer_id", feature]], on="customer_id")
    groups = joined.dropna(subset=[feature]).groupby("segment_name")[feature]
    names = sorted(groups.groups)
    return names, [groups.get_group(name).astype(float).to_numpy() for name in names]


def draw_spend_boxplot(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    names, values = _members_with(marts, "total_revenue")
    buyers = [v[v > 0] for v in values]
    kept = [(name, v) for name, v in zip(names, buyers) if len(v)]
    ax.boxplot([v for _, v in kept], orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(kept) + 1), [f"{name} (n={len(v):,})" for name, v in kept])
    ax.set_xscale("log")
    ax.set_xlabel("lifetime revenue of buyers (log scale)")
    plain_ticks(ax, "x")


def draw_recency_boxplot(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    names, values = _members_with(marts, "days_since_last_order")
    ax.boxplot(values, orientation="horizontal", showfliers=False)
    ax.set_yticks(range(1, len(names) + 1), [f"{name} (n={len(v):,})" for name, v in zip(names, values)])
    ax.set_xlabel("days since last order (buyers)")
    plain_ticks(ax, "x")


def draw_cluster_scatter(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    points = marts["cluster_pca_coordinates"]
    counts = points["cluster_id"].value_counts()
    points = points.sample(min(len(points), 5000), random_state=0)
    for cluster_id, group in points.groupby("cluster_id"):
        ax.scatter(group["pc1"], group["pc2"], s=6, alpha=0.6,
                   label=f"cluster {cluster_id} (n={counts[cluster_id]:,})")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    fig.legend(markerscale=2, loc="outside right center", frameon=False)
    plain_ticks(ax)


def draw_k_selection(marts: Marts, fig: Figure) -> None:
    selection = marts["cluster_model_selection"]
    left, right = fig.subplots(1, 2)
    scored = selection.dropna(subset=["silhouette"])
    for algorithm, group in scored.groupby("algorithm"):
        group = group.sort_values("cluster_count")
        left.plot(group["cluster_count"], group["silhouette"], marker="o", label=algorithm)
    chosen = scored[scored["is_chosen"].astype(bool)]
    left.scatter(chosen["cluster_count"], chosen["silhouette"], s=160, facecolors="none", edgecolors="#d7301f",
                 linewidths=2, label="chosen", zorder=3)
    left.set_xlabel("k (clusters)")
    left.set_ylabel("silhouette (higher is better)")
    elbow = selection.dropna(subset=["inertia"]) if "inertia" in selection.columns else selection.iloc[0:0]
    for algorithm, group in elbow.groupby("algorithm"):
        group = group.sort_values("cluster_count")
        right.plot(group["cluster_count"], group["inertia"], marker="o", label=algorithm)
    right.set_xlabel("k (clusters)")
    right.set_ylabel("inertia (look for the elbow)")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, frameon=False)
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        plain_ticks(ax)


def draw_calibration(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    calibration = marts["propensity_calibration"].sort_values("probability_bin")
    ax.plot([0, 1], [0, 1], linestyle="--", color="#666666", linewidth=1, label="perfectly calibrated")
    for evaluation, group in calibration.groupby("evaluation"):
        customers = int(group["count_customers"].sum())
        ax.plot(group["mean_predicted_probability"], group["observed_positive_rate"], marker="o", linewidth=2,
                label=f"{evaluation.replace('_', ' ')} (n={customers:,})")
    percent = FuncFormatter(lambda v, _p: tick_label(v * 100) + "%")
    ax.xaxis.set_major_formatter(percent)
    ax.yaxis.set_major_formatter(percent)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("mean predicted probability per bin (bins 10 points wide)")
    ax.set_ylabel("observed rate of the target")
    legend_outside(ax)
