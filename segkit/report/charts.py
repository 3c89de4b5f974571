"""The report's charts, in page order: what each needs and how it is drawn
(figures.py: one as_of date; history.py: over time; plotting.py: shared rules)."""

from __future__ import annotations

from segkit.report.figures import (
    draw_calibration,
    draw_cluster_scatter,
    draw_k_selection,
    draw_kpi_heatmap,
    draw_recency_boxplot,
    draw_rfm_grid,
    draw_sizes,
    draw_spend_boxplot,
)
from segkit.report.history import (
    draw_channel_mix,
    draw_drift_history,
    draw_kpi_history,
    draw_psi_heatmap,
    draw_size_history,
    needs_a_comparison,
    needs_channel_columns,
    needs_two_dates,
)
from segkit.report.plotting import Chart

CHARTS: tuple[Chart, ...] = (
    Chart("sizes", "Segment sizes", ("segment_membership",), draw_sizes,
          "Members per segment and their share of all customers. A customer can belong to several "
          "segments; customer_segments holds the primary one."),
    Chart("kpi-heatmap", "KPIs per segment", ("segment_kpis",), draw_kpi_heatmap,
          "Colour: where the segment stands between the lowest and the highest value of each KPI "
          "(darker is higher); the numbers are the KPI values.", size=(9.0, 5.0)),
    Chart("rfm-grid", "RFM grid", ("customer_segments",), draw_rfm_grid,
          "Customers per recency × frequency score (quintiles, 5 = best).", size=(6.0, 5.0)),
    Chart("revenue-boxplot", "Lifetime revenue per segment", ("segment_membership", "customer_features"),
          draw_spend_boxplot, "Buyers only; boxes are quartiles, whiskers 1.5 × IQR, outliers hidden."),
    Chart("recency-boxplot", "Recency per segment", ("segment_membership", "customer_features"),
          draw_recency_boxplot, "Boxes are quartiles, whiskers 1.5 × IQR, outliers hidden."),
    Chart("cluster-scatter", "Clusters on the first two principal components", ("cluster_pca_coordinates",),
          draw_cluster_scatter, "A sample of at most 5,000 customers.", size=(9.0, 5.0)),
    Chart("k-selection", "Choosing k", ("cluster_model_selection",), draw_k_selection,
          "Silhouette and inertia per algorithm and k over the configured range; the ring marks the chosen "
          "model (cluster_model_selection.selection_reason says why).", size=(9.0, 5.0)),
    Chart("size-history", "Segment sizes over time", ("segment_history",), draw_size_history,
          "Members per segment at each stored as_of date.",
          unavailable=needs_two_dates("segment_history", "Lines")),
    Chart("psi-heatmap", "Drift: PSI per segment and feature at the latest as_of date", ("segment_drift",),
          draw_psi_heatmap, size=(9.0, 5.0), unavailable=needs_a_comparison),
    Chart("drift-history", "Drift over time", ("segment_drift",), draw_drift_history,
          "The largest PSI over the drift features, per segment and as_of date; dashed lines at 0.1 and 0.25.",
          unavailable=needs_two_dates("segment_drift", "Drift lines")),
    Chart("kpi-history", "KPIs over time", ("segment_kpis_history",), draw_kpi_history,
          "Per segment and as_of date (segment_kpis_history).", size=(9.0, 6.0),
          unavailable=needs_two_dates("segment_kpis_history", "KPI lines")),
    Chart("channel-mix", "Revenue by sales channel per segment", ("segment_kpis_history",), draw_channel_mix,
          "Latest as_of date; segments without revenue in the window are left out.",
          unavailable=needs_channel_columns),
    Chart("propensity-calibration", "Propensity model calibration", ("propensity_calibration",),
          draw_calibration, "Customers binned by predicted probability: a calibrated model's points lie on the "
          "diagonal. Cross-validated on the training snapshot, and out of time (fit on one back-dated snapshot, "
          "scored on the next).", size=(8.0, 5.0)),
)
