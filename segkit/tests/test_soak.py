"""Tests for the soak's comparator, table and key discovery, and delivery selection.
No dbt build: tiny DuckDB files stand in for the nightly and reference databases."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segkit.soak import builds, compare, deliveries, results, run
from segkit.soak import tables as soak_tables
from segkit.soak.tables import TableSpec

AS_OF = "2026-06-30"


def make_db(path: Path, statements: list[str]) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return path


def compare_one(
    tmp_path: Path,
    nightly: list[str],
    reference: list[str],
    spec: TableSpec,
    clusters: tuple[str, str] | None = None,
) -> compare.TableDiff:
    n = make_db(tmp_path / "nightly.duckdb", nightly)
    r = make_db(tmp_path / "reference.duckdb", reference)
    return compare.compare_databases(n, r, [spec], AS_OF, clusters)[0]


FEATURES = TableSpec("customer_features", "marts", "customer_features", "table", ("customer_id",))


def features(rows: str) -> list[str]:
    return [
        "create table marts.customer_features (customer_id varchar, as_of_date date, "
        "count_orders integer, total_revenue decimal(18, 2), engagement_score double)",
        f"insert into marts.customer_features values {rows}",
    ]


def test_identical_tables_have_no_difference(tmp_path: Path) -> None:
    rows = "('c1', '2026-06-30', 3, 10.50, 0.25), ('c2', '2026-06-30', null, null, null)"
    diff = compare_one(tmp_path, features(rows), features(rows), FEATURES)
    assert (diff.rows_nightly, diff.rows_reference, diff.rows_compared) == (2, 2, 2)
    assert diff.differences == 0
    assert diff.examples == []


def test_changed_value_names_key_and_column(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', 3, 10.50, 0.25), ('c2', '2026-06-30', 1, 5.00, 0.5)"),
        features("('c1', '2026-06-30', 3, 10.50, 0.25), ('c2', '2026-06-30', 2, 5.00, 0.5)"),
        FEATURES,
    )
    assert diff.rows_differing == 1
    assert diff.columns_differing == {"count_orders": 1}
    assert diff.examples == [
        {"key": {"customer_id": "c2"}, "columns": {"count_orders": {"nightly": 1, "reference": 2}}}
    ]
    assert "customer_id=c2: count_orders nightly 1 vs reference 2" in results.describe_example(
        diff.examples[0]
    )


def test_a_key_repeated_on_one_side_is_a_difference(tmp_path: Path) -> None:
    """An exact copy of a row joins to the same reference row and passes the column
    checks: the repeat itself counts."""
    row = "('c1', '2026-06-30', 3, 10.50, 0.25)"
    diff = compare_one(tmp_path, features(f"{row}, {row}"), features(row), FEATURES)
    assert diff.rows_only_nightly == diff.rows_only_reference == diff.rows_differing == 0
    assert diff.rows_duplicate_key == 1
    assert diff.differences == 1
    assert diff.examples == [{"key": {"customer_id": "c1"}, "repeated_in": "nightly"}]
    assert results.describe_example(diff.examples[0]) == "customer_id=c1: key repeated in nightly"


def test_decimal_columns_compare_exactly(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', 3, 10.50, 0.25)"),
        features("('c1', '2026-06-30', 3, 10.51, 0.25)"),
        FEATURES,
    )
    assert diff.columns_differing == {"total_revenue": 1}
    assert diff.examples[0]["columns"]["total_revenue"] == {
        "nightly": "10.50",
        "reference": "10.51",
    }


def test_row_on_one_side_only(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', 3, 10.50, 0.25), ('c2', '2026-06-30', 1, 5.00, 0.5)"),
        features("('c1', '2026-06-30', 3, 10.50, 0.25), ('c3', '2026-06-30', 1, 5.00, 0.5)"),
        FEATURES,
    )
    assert (diff.rows_only_nightly, diff.rows_only_reference, diff.rows_differing) == (1, 1, 0)
    assert diff.rows_compared == 1
    assert diff.differences == 2
    assert {"key": {"customer_id": "c2"}, "only_in": "nightly"} in diff.examples
    assert {"key": {"customer_id": "c3"}, "only_in": "reference"} in diff.examples


@pytest.mark.parametrize(
    ("nightly", "reference", "differs"),
    [
        (0.25, 0.25 * (1 + 1e-12), False),
        (1e12, 1e12 * (1 + 1e-12), False),  # relative, not absolute
        (1e-15, 2e-15, False),  # near zero the bound is 1e-9 absolute
        (0.25, 0.25 * (1 + 1e-6), True),
        (1e12, 1e12 * (1 + 1e-6), True),
        ("null", "null", False),
        ("null", 0.0, True),
        (0.0, "null", True),
        ("'NaN'", "'NaN'", False),
        ("'Infinity'", "'Infinity'", False),
        ("'Infinity'", 1e308, True),
    ],
)
def test_float_tolerance_and_nulls(
    tmp_path: Path, nightly: object, reference: object, differs: bool
) -> None:
    diff = compare_one(
        tmp_path,
        features(f"('c1', '2026-06-30', 3, 10.50, {nightly})"),
        features(f"('c1', '2026-06-30', 3, 10.50, {reference})"),
        FEATURES,
    )
    assert diff.columns_differing == ({"engagement_score": 1} if differs else {})


def test_nulls_in_exact_columns(tmp_path: Path) -> None:
    same = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', null, 10.50, 0.25)"),
        features("('c1', '2026-06-30', null, 10.50, 0.25)"),
        FEATURES,
    )
    assert same.differences == 0
    (tmp_path / "nightly.duckdb").unlink()
    (tmp_path / "reference.duckdb").unlink()
    different = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', null, 10.50, 0.25)"),
        features("('c1', '2026-06-30', 0, 10.50, 0.25)"),
        FEATURES,
    )
    assert different.columns_differing == {"count_orders": 1}
    assert different.examples[0]["columns"]["count_orders"] == {"nightly": None, "reference": 0}


HISTORY = TableSpec(
    "segment_membership_history",
    "marts",
    "segment_membership_history",
    "incremental",
    ("as_of_date", "customer_id", "segment_name"),
)


def history(rows: str) -> list[str]:
    return [
        "create table marts.segment_membership_history "
        "(as_of_date date, customer_id varchar, segment_name varchar, is_primary_segment boolean)",
        f"insert into marts.segment_membership_history values {rows}",
    ]


def test_as_of_date_slice_ignores_earlier_nights(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path,
        history(
            "('2026-06-29', 'c1', 'Inactive', true), ('2026-06-29', 'c9', 'Lost', true),"
            " ('2026-06-30', 'c1', 'Inactive', true)"
        ),
        history("('2026-06-30', 'c1', 'Inactive', true)"),
        HISTORY,
    )
    assert (diff.rows_nightly, diff.rows_reference, diff.differences) == (1, 1, 0)


def test_as_of_date_slice_still_sees_the_night_itself(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path,
        history("('2026-06-29', 'c1', 'Inactive', true), ('2026-06-30', 'c1', 'Inactive', false)"),
        history("('2026-06-30', 'c1', 'Inactive', true)"),
        HISTORY,
    )
    assert diff.columns_differing == {"is_primary_segment": 1}
    assert diff.examples[0]["key"] == {
        "as_of_date": AS_OF,
        "customer_id": "c1",
        "segment_name": "Inactive",
    }


CLUSTERS = TableSpec("customer_clusters", "marts", "customer_clusters", "table", ("customer_id",))
PROFILES = TableSpec(
    "cluster_profiles", "marts", "cluster_profiles", "table", ("cluster_id", "feature")
)
CLUSTER_RELATION = ("marts", "customer_clusters")


def clustered(assignment: dict[str, int], profile_sizes: dict[int, int]) -> list[str]:
    customers = ", ".join(f"('{c}', '{AS_OF}', {k}, 0.5)" for c, k in assignment.items())
    profiles = ", ".join(
        f"({k}, 'total_revenue', '{AS_OF}', {n})" for k, n in profile_sizes.items()
    )
    return [
        "create table marts.customer_clusters "
        "(customer_id varchar, as_of_date date, cluster_id integer, distance_to_centroid double)",
        f"insert into marts.customer_clusters values {customers}",
        "create table marts.cluster_profiles "
        "(cluster_id integer, feature varchar, as_of_date date, cluster_size integer)",
        f"insert into marts.cluster_profiles values {profiles}",
    ]


def compare_clusters(
    tmp_path: Path, nightly: list[str], reference: list[str]
) -> dict[str, compare.TableDiff]:
    n = make_db(tmp_path / "nightly.duckdb", nightly)
    r = make_db(tmp_path / "reference.duckdb", reference)
    diffs = compare.compare_databases(n, r, [CLUSTERS, PROFILES], AS_OF, CLUSTER_RELATION)
    return {diff.table: diff for diff in diffs}


def test_permuted_cluster_ids_are_the_same_partition(tmp_path: Path) -> None:
    diffs = compare_clusters(
        tmp_path,
        clustered({"c1": 0, "c2": 0, "c3": 1, "c4": 2}, {0: 2, 1: 1, 2: 1}),
        clustered({"c1": 2, "c2": 2, "c3": 0, "c4": 1}, {2: 2, 0: 1, 1: 1}),
    )
    assert diffs["customer_clusters"].differences == 0
    assert diffs["cluster_profiles"].differences == 0
    assert diffs["cluster_profiles"].rows_compared == 3


def test_moved_customer_is_a_difference(tmp_path: Path) -> None:
    diffs = compare_clusters(
        tmp_path,
        clustered({"c1": 0, "c2": 0, "c3": 1, "c4": 1}, {0: 2, 1: 2}),
        clustered({"c1": 1, "c2": 1, "c3": 0, "c4": 1}, {1: 3, 0: 1}),
    )
    customers = diffs["customer_clusters"]
    assert customers.columns_differing == {"cluster_id": 1}
    # c4 moved to c1's cluster; every cluster is labelled by its smallest member
    assert customers.examples == [
        {
            "key": {"customer_id": "c4"},
            "columns": {"cluster_id": {"nightly": "c3", "reference": "c1"}},
        }
    ]
    assert diffs["cluster_profiles"].differences > 0


def test_cluster_ids_without_customers_compare_as_they_are(tmp_path: Path) -> None:
    statements = clustered({"c1": 0}, {0: 1, 5: 0})
    diffs = compare_clusters(tmp_path, statements, statements)
    assert diffs["cluster_profiles"].differences == 0
    assert diffs["cluster_profiles"].rows_compared == 2


KEYLESS = TableSpec("segment_kpis", "marts", "segment_kpis", "table", None)


def kpis(rows: str) -> list[str]:
    return [
        "create table marts.segment_kpis (segment_name varchar, count_customers integer)",
        f"insert into marts.segment_kpis values {rows}",
    ]


def test_keyless_tables_compare_as_multisets(tmp_path: Path) -> None:
    diff = compare_one(
        tmp_path, kpis("('A', 1), ('A', 1), ('B', 2)"), kpis("('A', 1), ('B', 3)"), KEYLESS
    )
    assert (diff.rows_only_nightly, diff.rows_only_reference) == (2, 1)
    assert {
        "row": {"segment_name": "B", "count_customers": 3},
        "only_in": "reference",
    } in diff.examples


def test_missing_table_and_column_type_differences(tmp_path: Path) -> None:
    missing = compare_one(
        tmp_path, features("('c1', '2026-06-30', 3, 10.50, 0.25)"), ["select 1"], FEATURES
    )
    assert missing.schema_differences == ["table missing in reference"]
    assert missing.differences == 1
    for name in ("nightly.duckdb", "reference.duckdb"):
        (tmp_path / name).unlink()
    retyped = compare_one(
        tmp_path,
        features("('c1', '2026-06-30', 3, 10.50, 0.25)"),
        [
            "create table marts.customer_features (customer_id varchar, as_of_date date, "
            "count_orders bigint, total_revenue decimal(18, 2), extra integer)",
            "insert into marts.customer_features values ('c1', '2026-06-30', 3, 10.50, 1)",
        ],
        FEATURES,
    )
    assert retyped.schema_differences == [
        "columns only in nightly: engagement_score",
        "columns only in reference: extra",
        "count_orders: INTEGER in nightly, BIGINT in reference",
    ]
    assert retyped.rows_differing == 0


def fake_manifest() -> dict:
    def model(name: str, fqn: list[str], materialized: str) -> tuple[str, dict]:
        return f"model.p.{name}", {
            "resource_type": "model",
            "name": name,
            "fqn": ["p", *fqn, name],
            "schema": f"{fqn[0]}",
            "alias": name,
            "config": {"materialized": materialized},
        }

    def test(name: str, attached: str, kwargs: dict, where: str | None = None) -> tuple[str, dict]:
        return f"test.p.{name}.{attached}.{sorted(kwargs.items())}", {
            "resource_type": "test",
            "attached_node": attached,
            "config": {"where": where},
            "test_metadata": {"name": name, "kwargs": kwargs},
        }

    nodes = dict([
        model("customer_features", ["marts", "features"], "table"),
        model("segment_membership_history", ["marts", "segments"], "incremental"),
        model("segment_drift", ["marts", "segments"], "table"),
        model("metricflow_time_spine", ["marts", "segments"], "view"),
        model("int_events__daily", ["intermediate", "features"], "incremental"),
        model("int_customers__rfm", ["intermediate", "features"], "table"),
        model("stg_web__events", ["staging", "web"], "view"),
        test("unique", "model.p.customer_features", {"column_name": "customer_id"}),
        test("not_null", "model.p.customer_features", {"column_name": "as_of_date"}),
        test("expect_compound_columns_to_be_unique", "model.p.customer_features",
             {"column_list": ["customer_id", "as_of_date"]}),
        test("unique", "model.p.segment_membership_history", {"column_name": "customer_id"},
             where="as_of_date = '2026-06-30'"),
        test("expect_compound_columns_to_be_unique", "model.p.segment_membership_history",
             {"column_list": ["segment_name", "customer_id", "as_of_date"]}),
        test("expect_compound_columns_to_be_unique", "model.p.segment_membership_history",
             {"column_list": ["as_of_date", "customer_id", "segment_name", "segment_kind"]}),
    ])  # fmt: skip
    return {"nodes": nodes}


def test_key_discovery_takes_the_smallest_declared_key() -> None:
    manifest = fake_manifest()
    assert soak_tables.key_columns(manifest, "model.p.customer_features") == ("customer_id",)
    # the unique test with a where config does not count; of two compound keys the shorter wins
    assert soak_tables.key_columns(manifest, "model.p.segment_membership_history") == (
        "segment_name",
        "customer_id",
        "as_of_date",
    )
    assert soak_tables.key_columns(manifest, "model.p.int_events__daily") is None


def test_compared_tables_are_mart_tables_and_incremental_models() -> None:
    specs = {spec.name: spec for spec in soak_tables.compared_tables(fake_manifest())}
    assert sorted(specs) == ["customer_features", "int_events__daily", "segment_membership_history"]
    assert specs["customer_features"] == TableSpec(
        "customer_features", "marts", "customer_features", "table", ("customer_id",)
    )
    assert "segment_drift" in soak_tables.EXCLUDED_TABLES


def test_history_marts_are_compared_by_the_history_refresh_only() -> None:
    # excluded from the references from scratch, compared whole after a --full-refresh
    # of them on a copy of the nightly database
    history = soak_tables.history_tables(fake_manifest())
    assert [spec.name for spec in history] == ["segment_drift"]
    assert history[0].materialized == "table"
    assert set(soak_tables.HISTORY_MARTS) <= set(soak_tables.EXCLUDED_TABLES)


def test_history_refresh_compares_first_assigned_date(tmp_path: Path) -> None:
    # against a from-scratch build first_assigned_date is left out (it knows only D);
    # the history refresh is computed from the same stored history, so it compares it
    spec = TableSpec(
        "int_segments__offer_first_assignments", "marts", "firsts", "incremental",
        ("customer_id", "offer_id"),
    )
    table = (
        "create table marts.firsts"
        " (customer_id varchar, offer_id varchar, first_assigned_date date)"
    )
    nightly = make_db(
        tmp_path / "nightly.duckdb",
        [table, "insert into marts.firsts values ('c1', 'o1', '2026-06-01')"],
    )
    reference = run.reference_database(tmp_path, "history_refresh")
    reference.parent.mkdir(parents=True, exist_ok=True)
    make_db(reference, [table, "insert into marts.firsts values ('c1', 'o1', '2026-06-30')"])
    assert compare.compare_databases(nightly, reference, [spec], None, None)[0].rows_differing == 0
    build = builds.Build("history_refresh", "success", 1.0, 0, [], "")
    checked = run.history_refresh_check(build, nightly, [spec], tmp_path, AS_OF)
    assert checked["rows_differing"] == 1


def test_published_tables_are_every_mart_but_the_time_spine_in_main() -> None:
    pairs = soak_tables.published_tables(fake_manifest())
    assert [built.name for built, _ in pairs] == [
        "customer_features", "segment_drift", "segment_membership_history",
    ]
    built, published = pairs[0]
    assert (built.schema, published.schema) == ("marts", "main")
    assert published.identifier == built.identifier
    assert published.key == built.key == ("customer_id",)


def test_published_marts_compare_exactly_on_every_date(tmp_path: Path) -> None:
    build = make_db(tmp_path / "nightly.duckdb", features(
        "('c1', '2026-06-29', 3, 10.50, 0.25), ('c2', '2026-06-30', 3, 10.50, 0.25)"
    ))
    # the difference is on an earlier date than the last: every date is compared
    rows = "('c1', '2026-06-29', 3, 10.50, 0.25 + 1e-12), ('c2', '2026-06-30', 3, 10.50, 0.25)"
    published = make_db(
        tmp_path / "published.duckdb",
        [statement.replace("marts.", "main.") for statement in features(rows)],
    )
    nodes = fake_manifest()["nodes"]
    pairs = soak_tables.published_tables(
        {"nodes": {key: node for key, node in nodes.items() if "customer_features" in key}}
    )
    diff = compare.compare_published(build, published, pairs)[0]
    # a difference far below the references' tolerance counts: the publication copies values
    assert diff.columns_differing == {"engagement_score": 1}
    assert diff.rows_nightly == diff.rows_reference == 2


def test_published_marts_compare_the_columns_the_references_leave_out(tmp_path: Path) -> None:
    # model_version is left out against a from-scratch build, but the published file
    # is a copy of the same build: a table keyed on it is compared on it
    spec = TableSpec("cluster_models", "marts", "cluster_models", "incremental", ("model_version",))
    pair = (spec, TableSpec("cluster_models", "main", "cluster_models", "incremental", spec.key))
    statements = [
        "create table marts.cluster_models (model_version integer, k integer)",
        "insert into marts.cluster_models values (1, 4), (2, 5)",
    ]
    build = make_db(tmp_path / "nightly.duckdb", statements)
    same = make_db(tmp_path / "same.duckdb", [s.replace("marts.", "main.") for s in statements])
    diff = compare.compare_published(build, same, [pair])[0]
    assert (diff.differences, diff.schema_differences, diff.rows_compared) == (0, [], 2)
    other = make_db(
        tmp_path / "other.duckdb",
        [
            statements[0].replace("marts.", "main."),
            "insert into main.cluster_models values (1, 4), (3, 5)",
        ],
    )
    diff = compare.compare_published(build, other, [pair])[0]
    assert (diff.rows_only_nightly, diff.rows_only_reference) == (1, 1)


def delivery_layout(tmp_path: Path) -> dict[str, dict[str, Path]]:
    for table, dates in {
        "orders": ["2026-06-01", "2026-06-02", "2026-06-03"],
        "deletion_requests": ["2026-06-01", "2026-06-02", "2026-06-03"],
    }.items():
        (tmp_path / "timeline" / table).mkdir(parents=True)
        for date in dates:
            pq.write_table(
                pa.table({"day": [date]}), tmp_path / "timeline" / table / f"{date}.parquet"
            )
    (tmp_path / "timeline" / "_timeline.json").write_text(
        json.dumps({"backfill_date": "2026-06-01", "delivery_dates": ["2026-06-02", "2026-06-03"]})
    )
    return deliveries.delivery_files(tmp_path / "timeline")


def names(selection: dict[str, list[Path]]) -> dict[str, list[str]]:
    return {table: [path.stem for path in paths] for table, paths in selection.items()}


def test_read_timeline_nights_start_with_the_backfill(tmp_path: Path) -> None:
    files = delivery_layout(tmp_path)
    timeline = deliveries.read_timeline(tmp_path / "timeline")
    assert timeline.nights == ("2026-06-01", "2026-06-02", "2026-06-03")
    assert timeline.files == files


def test_landing_gets_every_file_up_to_the_night(tmp_path: Path) -> None:
    files = delivery_layout(tmp_path)
    assert names(deliveries.select_deliveries(files, "2026-06-02", files.keys())) == {
        "orders": ["2026-06-01", "2026-06-02"],
        "deletion_requests": ["2026-06-01", "2026-06-02"],
    }


def test_point_in_time_holds_back_only_later_deletions(tmp_path: Path) -> None:
    files = delivery_layout(tmp_path)
    assert names(
        deliveries.select_deliveries(files, "2026-06-02", deliveries.POINT_IN_TIME_HELD_BACK)
    ) == {
        "orders": ["2026-06-01", "2026-06-02", "2026-06-03"],
        "deletion_requests": ["2026-06-01", "2026-06-02"],
    }


def test_sync_folder_links_new_files_and_removes_stale_ones(tmp_path: Path) -> None:
    files = delivery_layout(tmp_path)
    landing = tmp_path / "landing"
    deliveries.sync_folder(landing, deliveries.select_deliveries(files, "2026-06-03", files.keys()))
    deliveries.sync_folder(landing, deliveries.select_deliveries(files, "2026-06-01", files.keys()))
    assert sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*.parquet")) == [
        "deletion_requests/2026-06-01.parquet",
        "orders/2026-06-01.parquet",
    ]
    linked = landing / "orders" / "2026-06-01.parquet"
    assert linked.stat().st_ino == files["orders"]["2026-06-01"].stat().st_ino


def test_deletion_counts_follow_the_nearest_date_whatever_the_nesting() -> None:
    meta = {
        "totals": {"deletion_requests_by_id": 99},
        "dates": {
            "2026-06-01": {
                "happenings": {"deletion_requests_by_id": 2, "deletion_requests_by_email": 1}
            }
        },
        "happenings": {"2026-06-02": {"deletion_requests_by_email": 4, "unsubscribes": 7}},
    }
    assert deliveries.deletions_requested_by_date(meta) == {"2026-06-01": 3, "2026-06-02": 4}


def night(
    date: str,
    nightly_status: str = "success",
    differing: int = 0,
    requested: int | None = None,
    purged: int = 2,
    history_differing: int = 0,
    published_differing: int = 0,
) -> dict:
    """A night whose full-refresh comparison found ``differing`` rows in customer_features
    (the history refresh ``history_differing``, the published check ``published_differing``)."""

    def reference(rows: int) -> dict:
        table = {
            "table": "customer_features",
            "differences": rows,
            "examples": [{"key": {"customer_id": "c1"}, "only_in": "nightly"}] if rows else [],
        }
        build = {"status": "success", "seconds": 1.0, "failures": []}
        return {"build": build, "rows_differing": rows, "tables": [table]}

    return {
        "night": 0, "date": date, "deletions_requested": requested, "persons_purged": purged,
        "nightly": {"status": nightly_status, "seconds": 2.0,
                    "failures": ["model.p.x: boom"] if nightly_status != "success" else []},
        "references": {"full_refresh": reference(differing), "point_in_time": reference(0),
                       "history_refresh": reference(history_differing),
                       "published": {"check": {"status": "success", "seconds": 0.5, "failures": []},
                                     **{k: v for k, v in reference(published_differing).items()
                                        if k != "build"}}},
        "tables": {"customer_features": ["customer_id"]},
        "materialized": {"customer_features": "table"},
    }  # fmt: skip


def test_night_failure_and_first_failures() -> None:
    assert not results.night_failed(night("2026-06-01"))
    assert results.night_failed(night("2026-06-01", nightly_status="error"))
    assert results.night_failed(night("2026-06-01", differing=1))
    assert results.first_failures([night("2026-06-01"), night("2026-06-02", "error", 1)]) == [
        "2026-06-02 nightly build: model.p.x: boom",
        "2026-06-02 full_refresh customer_features customer_id=c1: only in nightly",
    ]


def test_summary_line_and_markdown(tmp_path: Path) -> None:
    timeline = deliveries.Timeline(
        tmp_path,
        "2026-06-01",
        ("2026-06-02",),
        {},
        {"happenings": {"2026-06-01": {"deletion_requests_by_id": 2}}},
    )
    parameters = {"days": 1, "customers": 10, "seed": 1, "threads": None, "timeline": "t"}
    nights = [
        night("2026-06-01", purged=5),
        night(
            "2026-06-02", differing=3, requested=2, purged=7, history_differing=1,
            published_differing=2,
        ),
    ]
    document = results.results_document(parameters, timeline, nights, "t")
    # the published check is no build: 2 nights x (nightly + 3 references)
    assert document["summary"] == (
        "soak: 2 nights, 8 builds, 1 failures, 1 tables compared, 6 rows differing "
        "(deletions: 2 requested, 2 purged)"
    )
    assert document["totals"]["rows_differing"] == {
        "full_refresh": 3, "point_in_time": 0, "history_refresh": 1, "published": 2,
    }
    assert results.night_failed(night("2026-06-01", published_differing=1))
    results.write_results(document, tmp_path / "out")
    text = (tmp_path / "out" / "latest.md").read_text()
    assert "| customer_features | table | customer_id | 1 / 0 / 1 / 1 | 3 / 0 / 1 / 2 |" in text
    assert "| 2026-06-02 | success | 2.0 | 1.0 | 1.0 | 1.0 | 0.5 | 1 | 3 | 0 | 1 | 2 | 2 | 7 |" in (
        text
    )
    # a night recorded before the history refresh and the published check existed
    # renders with dashes
    older = night("2026-06-03")
    del older["references"]["history_refresh"], older["references"]["published"]
    older_row = "| 2026-06-03 | success | 2.0 | 1.0 | 1.0 | - | - | 1 | 0 | 0 | - | - | - | 2 |"
    assert older_row in "\n".join(results.nights_section([older]))
    saved = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert saved["exclusions"] == soak_tables.EXCLUDED_TABLES


def test_error_gist_reads_what_dbt_said(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    log.write_text(
        "\x1b[0m18:28:42  Running with dbt=1.11.16\n\x1b[0m18:28:42  Encountered an error:\n"
        "Parsing Error\n  Error reading segmentation: x.yml - Runtime Error\n\n"
        "    Syntax error near line 32\n    ---\n"
    )
    assert builds.error_gist(log) == (
        "Parsing Error Error reading segmentation: x.yml - Runtime Error Syntax error near line 32"
    )
    log.write_text("\x1b[0m18:28:42  Killed\n")
    assert builds.error_gist(log) == "18:28:42  Killed"


def test_builds_run_in_the_dbt_project() -> None:
    assert (builds.PROJECT_DIR / "dbt_project.yml").is_file()
    assert builds.dbt_executable().parent == Path(sys.executable).parent


def scheduled_night(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> dict:
    """run_night with builds that only sleep and fail (nothing to compare): when each
    kind of build ran, and the night's record."""
    spans: dict[str, tuple[float, float]] = {}
    envs: dict[str, str] = {}

    def fake_build(kind, as_of, raw, database, work, logs, threads, extra_args):
        started = time.monotonic()
        time.sleep(0.3)
        spans[kind] = (started, time.monotonic())
        envs[kind] = as_of
        return builds.Build(kind, "error", 0.3, 2, ["fake"], "fake.log")

    monkeypatch.setattr(run, "soak_build", fake_build)
    monkeypatch.setattr(run, "report_failure", lambda build, date: None)
    timeline = deliveries.Timeline(tmp_path, "2026-10-01", (), {}, {})
    night = run.run_night(0, "2026-10-01", timeline, tmp_path / "work", None, jobs)
    return {"spans": spans, "as_of": envs, "night": night}


def overlap(first: tuple[float, float], second: tuple[float, float]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def test_two_jobs_build_the_references_beside_the_nightly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = scheduled_night(tmp_path, monkeypatch, jobs=2)
    spans = ran["spans"]
    assert set(spans) == {"nightly", "full_refresh", "point_in_time", "history_refresh"}
    assert overlap(spans["nightly"], spans["full_refresh"])
    # the history refresh copies the nightly database: never before the nightly ended
    assert spans["history_refresh"][0] >= spans["nightly"][1]
    assert set(ran["as_of"].values()) == {"2026-10-01"}
    assert ran["night"]["nightly"]["status"] == "error"
    assert results.night_failed(ran["night"])


def test_one_job_builds_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spans = scheduled_night(tmp_path, monkeypatch, jobs=1)["spans"]
    ordered = sorted(spans.values())
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(ordered))
    assert min(spans, key=lambda kind: spans[kind][0]) == "nightly"


def test_the_night_date_reaches_dbt_as_seg_as_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEG_AS_OF, not --vars, so each kind of build keeps dbt's partial parsing."""
    captured: dict = {}

    def fake_run(command, cwd, env, stdout, stderr, check):
        captured.update(command=command, env=env)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(builds.subprocess, "run", fake_run)
    monkeypatch.setenv("SEG_AS_OF", "1999-01-01")
    build = builds.run_build(
        "nightly", "2026-10-02", tmp_path / "raw", tmp_path / "db.duckdb", tmp_path / "target",
        tmp_path / "logs", tmp_path / "night.log", None, [],
    )
    assert build.status == "success"
    assert captured["env"]["SEG_AS_OF"] == "2026-10-02"
    passed_vars = json.loads(captured["command"][captured["command"].index("--vars") + 1])
    assert "as_of" not in passed_vars
