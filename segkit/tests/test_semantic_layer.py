"""The semantic layer (docs/semantic_layer.md) gives the numbers the marts give.

One small build (the fault harness's 60 clean customers, the semantic layer's models
and their parents only, no data tests). MetricFlow plans every metric and saved query
from the build's target/semantic_manifest.json and renders DuckDB SQL, which runs on
the build; the results are compared with direct SQL on the marts. `make semantic-test`
runs `mf validate-configs` and a saved query through the CLI on the test build.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from segkit.tests.faults.harness import PROJECT_DIR, Build, clean_tables, dbt_build, write_raw

pytest.importorskip("metricflow")

from metricflow.engine.metricflow_engine import (  # noqa: E402
    MetricFlowEngine,
    MetricFlowQueryRequest,
)
from metricflow.protocols.sql_client import SqlEngine  # noqa: E402
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer  # noqa: E402
from metricflow.sql.render.snowflake import SnowflakeSqlPlanRenderer  # noqa: E402
from metricflow_semantics.model.dbt_manifest_parser import (  # noqa: E402
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup  # noqa: E402

SEMANTIC_MODELS = (
    "+segment_member_outcomes +customer_segments +customer_features +segment_history"
    " +segment_kpis metricflow_time_spine"
)
SEMANTIC_YAML = PROJECT_DIR / "models" / "marts" / "segments" / "_segments__semantic_models.yml"
SEGMENT = "membership__segment_name"


class _RenderOnlyClient:
    """The SqlClient MetricFlow plans with: the engine type and SQL renderer only
    (explain() never executes; the test runs the SQL itself)."""

    def __init__(self, engine: SqlEngine, renderer) -> None:
        self.sql_engine_type = engine
        self.sql_plan_renderer = renderer

    def query(self, *_, **__):  # pragma: no cover - explain() does not execute
        raise NotImplementedError

    execute = dry_run = query

    def close(self) -> None:
        return None

    def render_bind_parameter_key(self, key: str) -> str:
        return f"${key}"


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Build:
    folder = tmp_path_factory.mktemp("semantic")
    raw = write_raw(folder / "raw", clean_tables())
    args = ["--select", SEMANTIC_MODELS, "--exclude-resource-type", "test"]
    result = dbt_build(folder, raw, args=args)
    assert result.ok, result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def manifest(build: Build):
    text = (build.folder / "target" / "semantic_manifest.json").read_text()
    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=text)


def _engine(manifest, engine: SqlEngine, renderer) -> MetricFlowEngine:
    return MetricFlowEngine(SemanticManifestLookup(manifest), _RenderOnlyClient(engine, renderer))


@pytest.fixture(scope="module")
def query(build: Build, manifest):
    """query(metrics, group_by=None, saved_query=None) -> DataFrame from MetricFlow's SQL."""
    engine = _engine(manifest, SqlEngine.DUCKDB, DuckDbSqlPlanRenderer())

    def run(metrics=None, group_by=None, saved_query=None) -> pd.DataFrame:
        request = MetricFlowQueryRequest.create(
            metric_names=metrics, group_by_names=group_by, saved_query_name=saved_query
        )
        return build.frame(engine.explain(request).sql_statement.sql)

    return run


def _scalar(build: Build, sql: str):
    return build.query(sql)[0][0]


def test_every_metric_without_group_by_returns_one_sensible_number(build, manifest, query):
    """No metric is an `agg: max` of per-segment values: each total is recomputed."""
    population = _scalar(build, "select count(*) from marts.customer_features")
    segmented = _scalar(build, "select count(distinct customer_id) from marts.segment_membership")
    memberships = _scalar(build, "select count(*) from marts.segment_membership")
    assert 0 < segmented < memberships, "the data set must have overlapping segments"
    converted = _scalar(
        build, "select count(*) from marts.customer_features where count_orders_90d > 0"
    )
    members_converted = _scalar(
        build,
        "select count(distinct m.customer_id) from marts.segment_membership as m"
        " inner join marts.customer_features as f on m.customer_id = f.customer_id"
        " where f.count_orders_90d > 0",
    )
    expected = {
        "customers": population,
        "population_customers": population,
        "segment_size": segmented,
        "segment_memberships": memberships,
        "segment_share_of_customers": segmented / population,
        "memberships_per_segmented_customer": memberships / segmented,
        "customers_converted_90d": converted,
        "conversion_rate_90d": converted / population,
        "segment_members_converted": members_converted,
        "segment_conversion_rate": members_converted / segmented,
        "revenue_90d": float(
            _scalar(build, "select sum(revenue_90d) from marts.customer_features")
        ),
        "segment_revenue": float(
            _scalar(build, "select sum(revenue_in_window) from marts.segment_kpis")
        ),
        "segment_entries": 0,
        "segment_exits": 0,
    }
    rates = {name for name in (m.name for m in manifest.metrics) if "rate" in name}
    for metric in manifest.metrics:
        frame = query([metric.name])
        assert frame.shape == (1, 1), metric.name
        value = frame.iloc[0, 0]
        assert value is not None and not pd.isna(value), metric.name
        value = float(value)
        assert value >= 0, metric.name
        if metric.name in rates:
            assert 0 <= value <= 1, metric.name
        if metric.name in expected:
            assert value == pytest.approx(float(expected[metric.name]), rel=1e-9), metric.name
    assert float(query(["segment_conversion_rate"]).iloc[0, 0]) < 1


def test_segment_metrics_by_segment_equal_segment_kpis(build, query):
    kpis = build.frame("select * from marts.segment_kpis where count_customers > 0")
    kpis = kpis.set_index("segment_name")
    frame = query(saved_query="segment_kpis_by_segment").set_index(SEGMENT).loc[kpis.index]
    pairs = {
        "segment_size": "count_customers",
        "segment_share_of_customers": "share_of_customers",
        "segment_conversion_rate": "conversion_rate",
        "segment_repeat_purchase_rate": "repeat_purchase_rate",
        "segment_revenue": "revenue_in_window",
        "segment_avg_order_value": "avg_order_value",
        "segment_engagement": "avg_engagement_score",
    }
    for metric, column in pairs.items():
        got = frame[metric].astype(float)
        want = kpis[column].astype(float)
        # segment_kpis stores money as numeric(28, 6): compare to its 6 decimals.
        pd.testing.assert_series_equal(got, want, check_names=False, rtol=0, atol=5e-7, obj=metric)


def test_customer_saved_queries_partition_the_customers(build, query):
    population = _scalar(build, "select count(*) from marts.customer_features")
    for saved_query in ("customers_by_primary_segment", "customers_by_rfm_segment",
                        "customers_by_cluster"):
        frame = query(saved_query=saved_query)
        assert frame["customers"].sum() == population, saved_query
    by_primary = query(saved_query="customers_by_primary_segment")
    by_primary = by_primary.set_index("customer__primary_segment")
    primary = build.frame(
        "select primary_segment, count(*) as customers from marts.customer_segments group by 1"
    ).set_index("primary_segment")
    assert by_primary["customers"].to_dict() == primary["customers"].to_dict()


def test_every_saved_query_plans_for_duckdb_and_snowflake(build, manifest, query):
    snowflake = _engine(manifest, SqlEngine.SNOWFLAKE, SnowflakeSqlPlanRenderer())
    for saved_query in manifest.saved_queries:
        query(saved_query=saved_query.name)
        request = MetricFlowQueryRequest.create(saved_query_name=saved_query.name)
        sql = snowflake.explain(request).sql_statement.sql
        assert "marts" in sql.lower(), saved_query.name


def test_customer_window_columns_follow_segment_kpi_window():
    """The customers semantic model names 90-day columns; segment_member_outcomes
    follows var segment_kpi_window_days. A changed var must change the YAML too."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    window = project["vars"]["segment_kpi_window_days"]
    text = SEMANTIC_YAML.read_text()
    assert f"count_orders_{window}d" in text and f"revenue_{window}d" in text
