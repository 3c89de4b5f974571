"""Fault family: empty and tiny inputs.

A customers file with no rows crashed cluster_fit (PCA on 0 samples) and
propensity_fit wrote customer_id typed NULL. Now a 0-row customers or orders file,
or a handful of customers, builds every model: empty (or order-less) outputs with
their contract types, the Python fits skip what cannot be fitted and record why
(cluster_model_selection.selection_reason, propensity metrics named skipped_*),
and the warn-severity test assert_customer_and_order_inputs_not_empty names the
empty input in the run summary.

Three builds: no customers, no orders, two customers.
"""

from __future__ import annotations

import pytest

from segkit.tests.faults.harness import clean_tables, dbt_build, write_raw

WARN_TEST = "assert_customer_and_order_inputs_not_empty"
CONTRACT_TYPES_SQL = """
    select table_name, column_name, data_type from duckdb_columns()
    where schema_name = 'main_marts' order by all
"""


def cases() -> dict[str, dict]:
    tables = clean_tables()
    two_customers = tables["customers"]["customer_id"].drop_duplicates().iloc[:2]
    return {
        "no_customers": {**tables, "customers": tables["customers"].iloc[0:0]},
        "no_orders": {**tables, "orders": tables["orders"].iloc[0:0], "order_lines": tables["order_lines"].iloc[0:0]},
        "two_customers": {**tables, "customers": tables["customers"][tables["customers"]["customer_id"].isin(two_customers)]},
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("empty_inputs")
    return {
        name: dbt_build(folder / name, write_raw(folder / name / "raw", tables))
        for name, tables in cases().items()
    }


def test_every_model_builds(builds):
    for name, build in builds.items():
        assert build.ok, (name, build.failures())
        assert not [line for line in build.failures() if "SKIP" in line or "ERROR" in line], name


@pytest.mark.parametrize("case", ["no_customers", "no_orders"])
def test_an_empty_input_warns(builds, case):
    build = builds[case]
    assert [line for line in build.output.splitlines() if "WARN 1" in line and WARN_TEST in line], case


def test_tiny_input_does_not_warn(builds):
    assert not [line for line in builds["two_customers"].output.splitlines() if "WARN" in line and WARN_TEST in line]


def test_empty_marts_keep_their_contract_types(builds):
    reference = builds["two_customers"].query(CONTRACT_TYPES_SQL)
    assert reference
    for case in ("no_customers", "no_orders"):
        assert builds[case].query(CONTRACT_TYPES_SQL) == reference, case
    assert builds["no_customers"].query("select count(*) from main_marts.customer_features") == [(0,)]
    assert builds["no_customers"].query("select count(*) from main_marts.customer_clusters") == [(0,)]


def test_python_fits_are_typed_and_record_why_they_skipped(builds):
    for case in builds:
        types = dict(builds[case].query(
            "select column_name, data_type from duckdb_columns()"
            " where schema_name = 'main_intermediate' and table_name in ('cluster_fit', 'propensity_fit')"
            " and column_name in ('customer_id', 'category_value')"
        ))
        assert set(types.values()) == {"VARCHAR"}, (case, types)
    none = builds["no_customers"].query(
        "select cluster_count, selection_reason from main_marts.cluster_model_selection where is_chosen"
    )
    assert none[0][0] == 0 and none[0][1].startswith("skipped: no customers")
    two = builds["two_customers"].query(
        "select cluster_count, selection_reason from main_marts.cluster_model_selection where is_chosen"
    )
    assert two[0][0] == 1 and two[0][1].startswith("skipped: 2 customers")
    assert builds["two_customers"].query("select count(*), min(cluster_id) from main_marts.customer_clusters") == [(2, 0)]
    skipped = builds["no_customers"].query(
        "select diagnostic_name from main_marts.propensity_model_diagnostics"
        " where diagnostic_name like 'skipped_%' and diagnostic_value = 1 order by 1"
    )
    assert [name for (name,) in skipped] == [
        "skipped_classifier_fit_single_class_scored_positive_share",
        "skipped_cross_validation_class_smaller_than_folds",
    ]


@pytest.mark.parametrize("case", ["no_customers", "no_orders"])
def test_an_empty_input_is_not_published(builds, case):
    build = builds[case]
    assert not (build.folder / "published" / "db.duckdb").exists(), case
    assert "publication skipped, the previous one stays: customers or orders have no valid rows" in build.output


def test_a_tiny_input_is_published(builds):
    assert (builds["two_customers"].folder / "published" / "db.duckdb").exists()
