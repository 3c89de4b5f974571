"""The marts the report reads, from a built DuckDB file, each read once.

Only public marts are read, so the report shows what BI tools see. A mart that is
missing (an older build, a model not built yet) is simply absent: the section that
needs it says so instead of failing.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from segkit.summary import find_relation

MARTS: tuple[str, ...] = (
    "segment_membership",
    "segment_kpis",
    "customer_segments",
    "customer_features",
    "cluster_pca_coordinates",
    "cluster_model_selection",
    "cluster_profiles",
    "segment_history",
    "segment_drift",
    "segment_kpis_history",
    "propensity_calibration",
    "propensity_model_diagnostics",
)

# Columns read from customer_features (the widest mart): the boxplots' features.
FEATURE_COLUMNS: tuple[str, ...] = ("customer_id", "total_revenue", "days_since_last_order")

def read_marts(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = MARTS) -> dict[str, pd.DataFrame]:
    """Each mart that exists, as a DataFrame (missing marts are absent from the result)."""
    frames: dict[str, pd.DataFrame] = {}
    for name in names:
        relation = find_relation(con, name)
        if relation is None:
            continue
        columns = "*"
        if name == "customer_features":
            present = set(con.execute(f"select * from {relation} limit 0").df().columns)
            columns = ", ".join(c for c in FEATURE_COLUMNS if c in present)
        frames[name] = con.execute(f"select {columns} from {relation}").df()
    return frames


def as_of_dates(frame: pd.DataFrame | None) -> list[pd.Timestamp]:
    """The distinct as_of dates of a history mart, oldest first."""
    if frame is None or "as_of_date" not in frame.columns or frame.empty:
        return []
    return sorted(pd.to_datetime(frame["as_of_date"]).dropna().unique())


def channel_columns(frame: pd.DataFrame, prefix: str = "revenue_in_window_") -> dict[str, str]:
    """The per-channel split of a KPI (segment_kpis_history's revenue_in_window_<channel>),
    as {channel: column}."""
    return {c[len(prefix):]: c for c in frame.columns if c.startswith(prefix)}


def segment_sizes_over_time(history: pd.DataFrame) -> pd.DataFrame:
    """Members per segment and as_of date from segment_history, whose rows start at the
    second stored date: the first date's sizes come from count_members_previous."""
    current = history[["as_of_date", "segment_name", "count_members"]]
    previous = history.dropna(subset=["previous_as_of_date"])[
        ["previous_as_of_date", "segment_name", "count_members_previous"]
    ].set_axis(["as_of_date", "segment_name", "count_members"], axis=1)
    sizes = pd.concat([previous, current]).drop_duplicates(["as_of_date", "segment_name"], keep="last")
    return sizes.assign(as_of_date=pd.to_datetime(sizes["as_of_date"])).sort_values(["as_of_date", "segment_name"])
