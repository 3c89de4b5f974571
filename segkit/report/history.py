"""The report's figures over time: segment sizes, drift (PSI) and KPIs per as_of date,
and the sales-channel split of segment_kpis_history. A series is drawn once its mart
covers two as_of dates; before that the section says how many it has."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from segkit.report.data import as_of_dates, channel_columns, segment_sizes_over_time
from segkit.report.formatting import column_kind, format_number, text_colour, tick_label
from segkit.report.plotting import MIN_FONT_POINTS, Marts, annotate_cells, date_axis, legend_outside, plain_ticks, plt

# Population stability index bands (the usual rule of thumb): below 0.1 no real
# shift, 0.1 to 0.25 a moderate shift worth a look, above 0.25 a major shift.
PSI_BANDS: tuple[float, float] = (0.1, 0.25)
PSI_COLOURS: tuple[str, str, str] = ("#c7e9c0", "#fdd49e", "#d7301f")
PSI_BAND_NAMES: tuple[str, str, str] = ("stable (< 0.1)", "moderate (0.1–0.25)", "major (≥ 0.25)")


def needs_two_dates(mart: str, what: str) -> Callable[[Marts], str | None]:
    def check(marts: Marts) -> str | None:
        frame = marts.get(mart)
        if mart == "segment_history" and frame is not None:
            frame = segment_sizes_over_time(frame)
        dates = as_of_dates(frame)
        if len(dates) >= 2:
            return None
        seen = f"only {pd.Timestamp(dates[0]):%Y-%m-%d} so far" if dates else "none yet"
        return f"{what} appear once {mart} covers two as_of dates ({seen}): one point per nightly build."
    return check


def needs_a_comparison(marts: Marts) -> str | None:
    if as_of_dates(marts.get("segment_drift")):
        return None
    return ("segment_drift compares each as_of date with the previous stored one: it fills from the "
            "second nightly build on.")


def draw_size_history(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    history = segment_sizes_over_time(marts["segment_history"])
    sizes = history.pivot_table(index="as_of_date", columns="segment_name", values="count_members",
                                aggfunc="sum").sort_index()
    for segment in sizes.columns:
        ax.plot(pd.to_datetime(sizes.index), sizes[segment], linewidth=2, label=segment)
    ax.set_ylabel("members")
    plain_ticks(ax, "y")
    date_axis(ax, sizes.index)
    legend_outside(ax)


def psi_norm() -> tuple[ListedColormap, BoundaryNorm]:
    cmap = ListedColormap(PSI_COLOURS).with_extremes(bad="#eeeeee")
    return cmap, BoundaryNorm([0.0, *PSI_BANDS, np.inf], cmap.N)


def latest_drift(marts: Marts) -> pd.DataFrame:
    drift = marts["segment_drift"]
    return drift[pd.to_datetime(drift["as_of_date"]) == pd.to_datetime(drift["as_of_date"]).max()]


def draw_psi_heatmap(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    latest = latest_drift(marts)
    psi = latest.pivot_table(index="segment_name", columns="feature_name", values="population_stability_index",
                             aggfunc="max", dropna=False).sort_index()
    members = latest.groupby("segment_name")["count_members"].max().reindex(psi.index)
    cmap, norm = psi_norm()
    image = ax.imshow(psi.to_numpy(dtype=float), cmap=cmap, norm=norm, aspect="auto")
    ax.set_yticks(range(len(psi.index)), [f"{name} (n={format_number(n, 'integer')})"
                                          for name, n in members.items()])
    ax.set_xticks(range(len(psi.columns)), [name.replace("_", " ") for name in psi.columns])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    labels = np.vectorize(lambda v: "n/a" if np.isnan(v) else format_number(v, "index"))(psi.to_numpy(dtype=float))
    annotate_cells(ax, image, labels.astype(object))
    handles = [Patch(color=colour, label=name)
               for colour, name in zip(PSI_COLOURS, PSI_BAND_NAMES)]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)


def draw_drift_history(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    drift = marts["segment_drift"]
    worst = drift.pivot_table(index="as_of_date", columns="segment_name", values="population_stability_index",
                              aggfunc="max").sort_index()
    for segment in worst.columns:
        ax.plot(pd.to_datetime(worst.index), worst[segment], linewidth=2, label=segment)
    for threshold, colour in zip(PSI_BANDS, PSI_COLOURS[1:]):
        ax.axhline(threshold, color=colour, linestyle="--", linewidth=1.5)
        ax.annotate(f"PSI {threshold}", (1.0, threshold), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize=MIN_FONT_POINTS, color="#333333")
    ax.set_ylabel("largest PSI over the features")
    ax.set_ylim(bottom=0)
    plain_ticks(ax, "y")
    date_axis(ax, worst.index)
    legend_outside(ax)


KPI_HISTORY_PANELS: tuple[tuple[str, str], ...] = (
    ("count_customers", "customers"),
    ("conversion_rate", "conversion rate"),
    ("avg_order_value", "average order value"),
    ("share_of_revenue", "share of revenue"),
)


def draw_kpi_history(marts: Marts, fig: Figure) -> None:
    history = marts["segment_kpis_history"]
    panels = [(c, label) for c, label in KPI_HISTORY_PANELS if c in history.columns] or [
        (c, c.replace("_", " ")) for c in history.select_dtypes("number").columns[:4]]
    axes = np.atleast_1d(fig.subplots(2, 2, sharex=True)).ravel()
    for ax, (column, label) in zip(axes, panels):
        series = history.pivot_table(index="as_of_date", columns="segment_name", values=column,
                                     aggfunc="sum" if column.startswith("count_") else "mean").sort_index()
        for segment in series.columns:
            ax.plot(pd.to_datetime(series.index), series[segment], linewidth=2, label=segment)
        ax.set_title(label)
        kind = column_kind(column)
        ax.yaxis.set_major_formatter(FuncFormatter(
            lambda v, _p, kind=kind: tick_label(v * 100) + "%" if kind == "percent" else tick_label(v)))
        date_axis(ax, series.index)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    legend_outside(axes[0])


def draw_channel_mix(marts: Marts, fig: Figure) -> None:
    ax = fig.subplots()
    history = marts["segment_kpis_history"]
    latest = history[pd.to_datetime(history["as_of_date"]) == pd.to_datetime(history["as_of_date"]).max()]
    channels = channel_columns(latest)
    revenue = latest.set_index("segment_name")[list(channels.values())].astype(float).fillna(0)
    revenue = revenue[revenue.sum(axis=1) > 0].sort_index(ascending=False)
    shares = revenue.div(revenue.sum(axis=1), axis=0)
    left = np.zeros(len(shares))
    colours = plt.get_cmap("tab10").colors
    for index, (channel, column) in enumerate(channels.items()):
        colour = colours[index % len(colours)]
        bars = ax.barh(shares.index, shares[column], left=left, color=colour, label=channel)
        labels = [f"{v:.0%}" if v >= 0.06 else "" for v in shares[column]]
        ax.bar_label(bars, labels, label_type="center", fontsize=MIN_FONT_POINTS, color=text_colour(colour))
        left += shares[column].to_numpy()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_xlabel("share of the segment's revenue in the KPI window")
    fig.legend(loc="outside lower center", ncol=len(channels), frameon=False)


def needs_channel_columns(marts: Marts) -> str | None:
    if channel_columns(marts["segment_kpis_history"]):
        return None
    return "segment_kpis_history has no revenue_in_window_<channel> columns in this database."
