"""Fault family: empty and tiny inputs.

A customers file with no rows crashed cluster_fit (PCA on 0 samples) and
propensity_fit wrote customer_id typed NULL. Now a 0-row customers or orders file,
or a handful of customers, builds every model: empty (or order-less) outputs with
their contract types, the Python fits skip what cannot be fitted and record why
(cluster_model_selection.selection_reason, propensity metrics named skipped_*),
and the warn-severity test assert_customer_and_order_inputs_not_empty names the
empty input in the run summary.

Four, five and identical customers (issue 13): a 4-customer data set stopped in
cluster_fit (DBSCAN "eps ... Got 0.0") and skipped 156 nodes. Now every candidate the
data cannot support (k above the distinct customers, DBSCAN with fewer customers than
min_samples or an eps of 0) is a cluster_model_selection row with its skip_reason,
and customers without a purchase get no cluster and the label "no purchases yet".

Five builds: no customers, no orders, two customers, four buyers, five customers of
whom four bought the very same thing (identical features) and one never bought.
"""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.tests.faults.harness import clean_tables, dbt_build, write_raw

WARN_TEST = "assert_customer_and_order_inputs_not_empty"
CONTRACT_TYPES_SQL = """
    select table_name, column_name, data_type from duckdb_columns()
    where schema_name = 'marts' order by all
"""


# DBSCAN needs min_samples customers around a core point: 3 lets 4 identical buyers
# reach the eps-of-0 case (the default, 10, skips DBSCAN for fewer customers first).
CASE_VARS = {"five_identical": {"cluster_dbscan_min_samples": 3}}


def only_customers(tables: dict[str, pd.DataFrame], customer_ids) -> dict[str, pd.DataFrame]:
    """Every table cut to these customers (orders' lines follow their orders)."""
    kept = {
        name: frame[frame["customer_id"].isin(customer_ids)] if "customer_id" in frame else frame
        for name, frame in tables.items()
    }
    kept["order_lines"] = tables["order_lines"][tables["order_lines"]["order_id"].isin(kept["orders"]["order_id"])]
    return kept


def four_buyers(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The first four customers with at least two completed orders, with all their data."""
    orders = tables["orders"]
    completed = orders[orders["status"] == "completed"].groupby("customer_id").size()
    return only_customers(tables, completed[completed >= 2].index.sort_values()[:4])


def five_identical(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Four buyers with one identical order each (same time, amount, product; no web or
    email activity) and a fifth customer who never ordered."""
    template = tables["customers"].iloc[[0]]
    ids = [f"TWIN{i}" for i in range(4)] + ["NEVER0"]
    customers = pd.concat([template] * 5, ignore_index=True).assign(
        customer_id=ids, email=[f"{i.lower()}@example.com" for i in ids], phone=None
    )
    order = tables["orders"][tables["orders"]["status"] == "completed"].iloc[[0]]
    orders = pd.concat([order] * 4, ignore_index=True).assign(
        order_id=[f"TWIN-O{i}" for i in range(4)], customer_id=ids[:4]
    )
    line = tables["order_lines"][tables["order_lines"]["order_id"] == order["order_id"].iloc[0]].iloc[[0]]
    order_lines = pd.concat([line] * 4, ignore_index=True).assign(
        order_line_id=[f"TWIN-L{i}" for i in range(4)], order_id=orders["order_id"]
    )
    empty = {name: frame.iloc[0:0] for name, frame in tables.items()}
    return {**empty, "customers": customers, "orders": orders, "order_lines": order_lines}


def cases() -> dict[str, dict]:
    tables = clean_tables()
    two_customers = tables["customers"]["customer_id"].drop_duplicates().iloc[:2]
    return {
        "no_customers": {**tables, "customers": tables["customers"].iloc[0:0]},
        "no_orders": {**tables, "orders": tables["orders"].iloc[0:0], "order_lines": tables["order_lines"].iloc[0:0]},
        "two_customers": {**tables, "customers": tables["customers"][tables["customers"]["customer_id"].isin(two_customers)]},
        "four_buyers": four_buyers(tables),
        "five_identical": five_identical(tables),
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("empty_inputs")
    return {
        name: dbt_build(folder / name, write_raw(folder / name / "raw", tables), dbt_vars=CASE_VARS.get(name))
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


@pytest.mark.parametrize("case", ["two_customers", "four_buyers", "five_identical"])
def test_tiny_input_does_not_warn(builds, case):
    assert not [line for line in builds[case].output.splitlines() if "WARN" in line and WARN_TEST in line]


def test_empty_marts_keep_their_contract_types(builds):
    reference = builds["two_customers"].query(CONTRACT_TYPES_SQL)
    assert reference
    for case in ("no_customers", "no_orders"):
        assert builds[case].query(CONTRACT_TYPES_SQL) == reference, case
    assert builds["no_customers"].query("select count(*) from marts.customer_features") == [(0,)]
    assert builds["no_customers"].query("select count(*) from marts.customer_clusters") == [(0,)]


def test_python_fits_are_typed_and_record_why_they_skipped(builds):
    for case in builds:
        types = dict(builds[case].query(
            "select column_name, data_type from duckdb_columns()"
            " where schema_name = 'intermediate' and table_name in ('cluster_fit', 'propensity_fit')"
            " and column_name in ('customer_id', 'category_value')"
        ))
        assert set(types.values()) == {"VARCHAR"}, (case, types)
    none = builds["no_customers"].query(
        "select cluster_count, selection_reason from marts.cluster_model_selection where is_chosen"
    )
    assert none[0][0] == 0 and none[0][1].startswith("skipped: no customers")
    two = builds["two_customers"].query(
        "select cluster_count, selection_reason from marts.cluster_model_selection where is_chosen"
    )
    assert two[0][0] == 1 and two[0][1].startswith("skipped: 2 customers")
    assert builds["two_customers"].query(
        "select count(*), count(cluster_id), min(cluster_id) from marts.customer_clusters"
    ) == [(2, 2, 0)]
    skipped = builds["no_customers"].query(
        "select diagnostic_name from marts.propensity_model_diagnostics"
        " where diagnostic_name like 'skipped_%' and diagnostic_value = 1 order by 1"
    )
    assert [name for (name,) in skipped] == [
        "skipped_classifier_fit_single_class_scored_positive_share",
        "skipped_cross_validation_class_smaller_than_folds",
        "skipped_out_of_time_check_single_class_or_no_rows",
    ]


@pytest.mark.parametrize("case", ["no_customers", "no_orders"])
def test_an_empty_input_is_not_published(builds, case):
    build = builds[case]
    assert not (build.folder / "published" / "db.duckdb").exists(), case
    assert "publication skipped, the previous one stays: customers or orders have no valid rows" in build.output


def test_a_tiny_input_is_published(builds):
    assert (builds["two_customers"].folder / "published" / "db.duckdb").exists()


def selection(build) -> pd.DataFrame:
    return build.frame(
        "select algorithm, cluster_count, inertia, skip_reason, is_chosen, selection_reason"
        " from marts.cluster_model_selection"
    )


def test_four_buyers_fit_the_k_they_support_and_skip_the_rest_with_reasons(builds):
    build = builds["four_buyers"]
    rows = selection(build)
    chosen = rows[rows["is_chosen"]]
    assert len(chosen) == 1 and chosen["cluster_count"].item() in (2, 3)
    assert not chosen["selection_reason"].item().startswith("skipped:")
    kmeans = rows[rows["algorithm"] == "kmeans"].set_index("cluster_count")
    for k in range(4, 9):  # k_max 8, four customers: k = 4..8 cannot be fitted
        assert kmeans.loc[k, "skip_reason"] == f"k={k} needs at least {k + 1} customers with distinct features; the fit has 4"
        assert pd.isna(kmeans.loc[k, "inertia"])
    dbscan = rows[rows["algorithm"] == "dbscan"]
    assert dbscan["skip_reason"].item().startswith("4 customers in the fit, fewer than cluster_dbscan_min_samples (10)")
    clusters = build.query("select count(*), count(cluster_id), count(distinct cluster_id) from marts.customer_clusters")
    assert clusters == [(4, 4, chosen["cluster_count"].item())]


def test_identical_buyers_share_one_cluster_and_dbscan_eps_0_is_skipped(builds):
    build = builds["five_identical"]
    rows = selection(build)
    chosen = rows[rows["is_chosen"]]
    assert chosen["cluster_count"].item() == 1
    assert chosen["selection_reason"].item().startswith("skipped: 4 customers with 1 distinct feature vectors")
    dbscan = rows[rows["algorithm"] == "dbscan"]
    assert dbscan["skip_reason"].item().startswith("eps would be 0")
    assert rows.loc[~rows["is_chosen"], "skip_reason"].notna().all()
    clusters = build.query(
        "select customer_id, is_clustered, cluster_id, cluster_description"
        " from marts.customer_clusters order by customer_id"
    )
    assert clusters[0] == ("NEVER0", False, None, "no purchases yet")
    assert {row[1:3] for row in clusters[1:]} == {(True, 0)}
    assert all(row[3] != "no purchases yet" for row in clusters[1:])


def test_every_mart_of_a_five_customer_build_has_its_rows(builds):
    """customer_clusters keeps everyone; the cluster marts describe the one cluster."""
    build = builds["five_identical"]
    counts = dict(build.query(
        "select 'customer_clusters', count(*) from marts.customer_clusters"
        " union all select 'customer_features', count(*) from marts.customer_features"
        " union all select 'cluster_profiles', count(distinct cluster_id) from marts.cluster_profiles"
        " union all select 'customer_segments', count(*) from marts.customer_segments"
    ))
    assert counts == {"customer_clusters": 5, "customer_features": 5, "cluster_profiles": 1, "customer_segments": 5}
