"""Static HTML segment report, generated from the public marts of a built DuckDB file.

    python -m segkit.report --database data/segmentation.duckdb --out reports/segment_report.html

One self-contained file (charts embedded as PNG): segment sizes, the KPI heatmap and
table, the RFM grid, revenue and recency per segment as box plots, the cluster
scatter and profiles, the k-selection curves, segment sizes over time, drift as PSI
per segment and feature (latest as_of date and over time), KPIs over time, revenue
by sales channel and the propensity model's calibration. It
reads only public marts, so it shows what BI tools see; it is the `segment_report`
exposure. docs/report.md describes each section and the browser check
(segkit.report.browser).
"""

from segkit.report.charts import CHARTS
from segkit.report.plotting import Chart
from segkit.report.page import main, render_report

__all__ = ["CHARTS", "Chart", "main", "render_report"]
