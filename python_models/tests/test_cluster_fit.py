"""Pure functions of python_models/clustering/cluster_fit.py on data with planted clusters."""

import dataclasses
import itertools

import cluster_fit as cf
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import DBSCAN
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

PLANTED_K = 4


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    """Four well separated Gaussian blobs in three features, as a customer table."""
    points, truth = make_blobs(n_samples=800, centers=PLANTED_K, n_features=3, cluster_std=1.0, random_state=11)
    frame = pd.DataFrame(points, columns=["f1", "f2", "f3"])
    frame["customer_id"] = [f"c{i:05d}" for i in range(len(frame))]
    return frame, truth


def planted_config(**changes) -> cf.ClusterConfig:
    base = cf.ClusterConfig(
        numeric_features=["f1", "f2", "f3"], algorithms=["kmeans", "gmm"], k_min=2, k_max=7,
        n_init=4, bootstrap_rounds=3, gap_references=3, metric_sample_size=500, order_feature="f1",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("criterion", "algorithm"),
    [("silhouette", "kmeans"), ("elbow", "kmeans"), ("gap", "kmeans"), ("bic", "gmm"), ("calinski_harabasz", "kmeans")],
)
def test_fit_clusters_recovers_the_planted_k_and_partition(planted, criterion, algorithm):
    frame, truth = planted
    results = cf.fit_clusters(frame, planted_config(selection_criterion=criterion, production_algorithm=algorithm))
    chosen = results["selection"][results["selection"]["is_chosen"]]
    ari = adjusted_rand_score(truth, results["assignment"]["cluster_id"])
    print(f"{criterion}/{algorithm}: chosen k={int(chosen['k'].iloc[0])}, ARI vs plant={ari:.3f}")
    assert len(chosen) == 1
    assert int(chosen["k"].iloc[0]) == PLANTED_K
    assert ari > 0.9
    assert chosen["stability_ari"].iloc[0] > 0.9


def test_fit_clusters_recovers_skewed_money_clusters_through_log1p():
    """Clusters planted in log space (like spend and counts) are found only after log1p."""
    rng = np.random.default_rng(5)
    centers = np.array([[2.0, 0.5], [5.0, 1.5], [8.0, 3.0]])
    truth = np.repeat(np.arange(3), 300)
    logged = centers[truth] + rng.normal(scale=0.3, size=(len(truth), 2))
    frame = pd.DataFrame(np.expm1(logged), columns=["total_revenue", "count_orders"])
    frame["customer_id"] = [f"c{i:05d}" for i in range(len(frame))]
    config = cf.ClusterConfig(
        numeric_features=["total_revenue", "count_orders"], log1p_features=["total_revenue", "count_orders"],
        algorithms=["kmeans"], k_min=2, k_max=6, n_init=4, bootstrap_rounds=2, gap_references=0,
    )
    results = cf.fit_clusters(frame, config)
    ari = adjusted_rand_score(truth, results["assignment"]["cluster_id"])
    print(f"log1p planted clusters: ARI={ari:.3f}")
    assert int(results["selection"].loc[results["selection"]["is_chosen"], "k"].iloc[0]) == 3
    assert ari > 0.9
    # First run: ids ordered by mean total_revenue, so 0 is the low spenders.
    means = frame.groupby(results["assignment"]["cluster_id"].to_numpy())["total_revenue"].mean()
    assert means.is_monotonic_increasing


def test_model_selection_records_every_algorithm_and_k(planted):
    frame, _ = planted
    config = planted_config(algorithms=["kmeans", "minibatch_kmeans", "gmm", "agglomerative", "dbscan"],
                            agglomerative_linkages=["ward", "average"], agglomerative_sample_size=400, k_max=4)
    selection = cf.fit_clusters(frame, config)["selection"]
    expected = {"kmeans", "minibatch_kmeans", "gmm", "agglomerative_ward", "agglomerative_average"}
    for algorithm in expected:
        assert sorted(selection.loc[selection["algorithm"] == algorithm, "k"]) == [2, 3, 4]
    dbscan = selection[selection["algorithm"] == "dbscan"]
    assert len(dbscan) == 1 and 0 <= dbscan["noise_share"].iloc[0] < 1
    metrics = ["inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "dunn_index", "bic"]
    assert selection[metrics].notna().all().all()


@pytest.mark.parametrize(
    ("scaler", "reference"), [("standard", StandardScaler), ("minmax", MinMaxScaler), ("robust", RobustScaler)]
)
def test_scaler_params_reproduce_sklearn_after_imputation_and_log1p(scaler, reference):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"spend": rng.lognormal(3, 1, 200), "recency": rng.integers(0, 400, 200).astype(float)})
    frame.loc[::10, "recency"] = np.nan
    config = cf.ClusterConfig(numeric_features=["spend", "recency"], log1p_features=["spend"],
                              impute={"recency": "max"}, scaler=scaler)
    params = cf.fit_scaler_params(frame, config)
    expected_input = np.column_stack([np.log1p(frame["spend"]), frame["recency"].fillna(frame["recency"].max())])
    expected = reference().fit_transform(expected_input)
    np.testing.assert_allclose(cf.transform_features(frame, params), expected, atol=1e-9)
    assert params.loc[params["encoded_feature"] == "recency", "fill_value"].item() == frame["recency"].max()


def test_categoricals_are_one_hot_with_missing_and_unseen_categories():
    frame = pd.DataFrame({"tier": ["gold", "silver", None, "gold"]})
    config = cf.ClusterConfig(numeric_features=[], categorical_features=["tier"], scaler="minmax")
    params = cf.fit_scaler_params(frame, config)
    assert params["encoded_feature"].tolist() == ["tier=__missing__", "tier=gold", "tier=silver"]
    indicators = cf.transform_features(pd.DataFrame({"tier": ["gold", None, "bronze"]}), params)
    np.testing.assert_array_equal(indicators, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_identity_projection_keeps_points_and_pca_matches_sklearn():
    rng = np.random.default_rng(0)
    scaled = rng.normal(size=(100, 3))
    features = ["a", "b", "c"]
    identity = cf.fit_projection(scaled, features, 0, 1, "clustering")
    np.testing.assert_array_equal(cf.project(scaled, features, identity), scaled)
    pca = cf.fit_projection(scaled, features, 2, 1, "plot")
    coordinates = cf.project(scaled, features, pca)
    assert coordinates.shape == (100, 2)
    np.testing.assert_allclose(np.abs(np.corrcoef(coordinates.T)[0, 1]), 0, atol=1e-9)
    assert coordinates[:, 0].var() >= coordinates[:, 1].var()


def test_dunn_index_matches_brute_force():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(15, 2))
    labels = np.array([0] * 5 + [1] * 5 + [2] * 5)
    separation = min(
        np.linalg.norm(points[i] - points[j])
        for i, j in itertools.combinations(range(15), 2) if labels[i] != labels[j]
    )
    diameter = max(
        np.linalg.norm(points[i] - points[j])
        for i, j in itertools.combinations(range(15), 2) if labels[i] == labels[j]
    )
    assert cf.dunn_index(points, labels) == pytest.approx(separation / diameter)


def test_within_cluster_sum_of_squares_equals_kmeans_inertia(planted):
    frame, truth = planted
    points = frame[["f1", "f2", "f3"]].to_numpy()
    manual = sum(((points[truth == c] - points[truth == c].mean(axis=0)) ** 2).sum() for c in range(PLANTED_K))
    assert cf.within_cluster_sum_of_squares(points, truth) == pytest.approx(manual)


def test_hard_partition_bic_is_lowest_at_the_planted_partition(planted):
    frame, truth = planted
    points = frame[["f1", "f2", "f3"]].to_numpy()
    merged = np.where(truth == 3, 0, truth)
    split = np.where((truth == 0) & (points[:, 0] > np.median(points[truth == 0, 0])), 4, truth)
    assert cf.hard_partition_bic(points, truth) < cf.hard_partition_bic(points, merged)
    assert cf.hard_partition_bic(points, truth) < cf.hard_partition_bic(points, split)


@pytest.mark.parametrize(
    ("values", "increasing", "expected"),
    [([100, 40, 12, 10, 9, 8, 7], False, 2), ([1, 1.1, 1.2, 1.3, 1.4, 5, 20], True, 4), ([3, 3, 3], True, 0)],
)
def test_find_knee_on_known_curves(values, increasing, expected):
    assert cf.find_knee(np.array(values, dtype=float), increasing) == expected


def test_dbscan_eps_from_knee_separates_planted_blobs():
    points, truth = make_blobs(n_samples=600, centers=3, cluster_std=0.4, random_state=4)
    eps = cf.dbscan_eps(points, 10)
    labels = DBSCAN(eps=eps, min_samples=10).fit_predict(points)
    core = labels >= 0
    print(f"DBSCAN eps={eps:.3f}, noise={1 - core.mean():.3f}, ARI={adjusted_rand_score(truth[core], labels[core]):.3f}")
    assert len(set(labels[core])) == 3
    assert adjusted_rand_score(truth[core], labels[core]) > 0.95
    assert core.mean() > 0.9


def test_gap_statistic_rule_picks_the_plant(planted):
    frame, _ = planted
    points = frame[["f1", "f2", "f3"]].to_numpy()
    gaps = cf.gap_statistic(points, list(range(2, 8)), references=3, seed=1)
    selection = gaps.assign(algorithm="kmeans")
    assert cf.choose_k(selection, "kmeans", "gap")[0] == PLANTED_K


def test_match_to_previous_keeps_ids_when_clusters_come_back_reordered():
    previous = pd.DataFrame({"cluster_id": [0, 1, 2], "x": [0.0, 10.0, 20.0], "y": [0.0, 0.0, 5.0]})
    new_centroids = np.array([[19.5, 5.2], [0.3, -0.1], [10.2, 0.4]])
    np.testing.assert_array_equal(cf.match_to_previous(new_centroids, previous), [2, 0, 1])


def test_match_to_previous_gives_new_ids_to_extra_clusters():
    previous = pd.DataFrame({"cluster_id": [0, 3], "x": [0.0, 10.0]})
    ids = cf.match_to_previous(np.array([[50.0], [9.0], [1.0]]), previous)
    np.testing.assert_array_equal(ids, [4, 3, 0])


def test_previous_centroids_are_ignored_when_dimensions_changed():
    rows = pd.DataFrame({"cluster_id": [0, 0], "dimension": ["a", "b"], "centroid_value": [1.0, 2.0]})
    assert cf.previous_centroid_table(rows, ["a", "c"]) is None
    assert cf.previous_centroid_table(rows, ["a", "b"]).columns.tolist() == ["cluster_id", "a", "b"]


def test_rerun_with_previous_centroids_keeps_every_label(planted):
    frame, _ = planted
    config = planted_config()
    first = cf.fit_clusters(frame, config)
    shuffled = frame.sample(frac=1.0, random_state=9).reset_index(drop=True)
    second = cf.fit_clusters(shuffled, dataclasses.replace(config, seed=7), first["centroid"])
    merged = first["assignment"].merge(second["assignment"], on="customer_id")
    assert (merged["cluster_id_x"] == merged["cluster_id_y"]).all()


def test_nearest_centroid_breaks_ties_to_the_lowest_id():
    nearest, distance = cf.nearest_centroid(np.array([[0.0], [2.9]]), np.array([[-1.0], [1.0], [3.0]]))
    np.testing.assert_array_equal(nearest, [0, 2])
    np.testing.assert_allclose(distance, [1.0, 0.1])


def test_to_records_keeps_every_record_type(planted):
    frame, _ = planted
    records = cf.to_records(cf.fit_clusters(frame, planted_config(k_max=3)))
    assert set(records["record_type"]) == {"selection", "scaler", "projection", "centroid", "assignment"}
    assert (records["record_type"] == "assignment").sum() == len(frame)


def test_production_algorithm_must_have_centroids(planted):
    frame, _ = planted
    with pytest.raises(ValueError, match="centroid"):
        cf.fit_clusters(frame, planted_config(production_algorithm="dbscan"))


def test_config_values_rendered_as_text_are_parsed():
    assert cf.parse_config_value("['a', 'b']") == ["a", "b"]
    assert cf.parse_config_value("{'x': 'max'}") == {"x": "max"}
    assert cf.parse_config_value("standard") == "standard"
    assert cf.parse_config_value(3) == 3


def test_read_columns_projects_a_duckdb_relation_before_reading():
    import duckdb

    relation = duckdb.connect().sql("select 'c1' as customer_id, 1.0 as total_revenue, 2 as unused_column")
    frame = cf.read_columns(relation, ["customer_id", "total_revenue"])
    assert list(frame.columns) == ["customer_id", "total_revenue"]
    assert frame.iloc[0].tolist() == ["c1", 1.0]


def test_input_columns_lists_id_features_and_order_feature_once():
    config = cf.ClusterConfig(numeric_features=["total_revenue", "count_orders"],
                              categorical_features=["preferred_device"], order_feature="total_revenue")
    assert cf.input_columns(config) == ["customer_id", "total_revenue", "count_orders", "preferred_device"]


# --- empty and tiny inputs ---------------------------------------------------


def tiny_frame(n: int) -> pd.DataFrame:
    """n customers with the planted columns (0 rows keeps the float types)."""
    rng = np.random.default_rng(n)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["f1", "f2", "f3"]).astype("float64")
    frame["customer_id"] = [f"c{i:05d}" for i in range(n)]
    return frame


def all_algorithms_config(**changes) -> cf.ClusterConfig:
    """Every algorithm, as the project's defaults evaluate them."""
    return planted_config(
        algorithms=["kmeans", "minibatch_kmeans", "gmm", "agglomerative", "dbscan"],
        agglomerative_linkages=["ward", "complete", "average"], **changes,
    )


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5])
def test_fit_clusters_handles_empty_and_tiny_inputs_with_typed_records(n):
    config = all_algorithms_config(pca_components=2)
    records = cf.to_records(cf.fit_clusters(tiny_frame(n), config))
    assert list(records.columns) == list(cf.RECORD_COLUMNS)
    for column, kind in cf.RECORD_COLUMNS.items():
        expected = "string" if kind == "text" else "float64"
        assert str(records[column].dtype) == expected, column
    selection = records[records["record_type"] == "selection"]
    chosen = selection[selection["is_chosen"] == 1]
    assert len(chosen) == 1
    assignments = records[records["record_type"] == "assignment"]
    assert len(assignments) == n
    assert assignments["customer_id"].notna().all()
    assert set(records["record_type"]) >= {"selection", "scaler", "projection"}
    # the plot plane always has its two axes (a fallback below two rows)
    plot = records[(records["record_type"] == "projection") & (records["projection_kind"] == "plot")]
    assert set(plot["dimension"]) == {"pc1", "pc2"}
    # every candidate the data cannot support is listed with the reason it was skipped
    candidates = selection[selection["is_chosen"] != 1]
    fitted = candidates[candidates["inertia"].notna()]
    assert candidates["skip_reason"].notna().sum() == len(candidates) - len(fitted)
    assert (fitted["k"] <= n - 1).all()
    kmeans = selection[(selection["algorithm"] == "kmeans") & (selection["k"] >= 2)].set_index("k")
    assert sorted(kmeans.index) == list(range(2, 8))
    for k in range(max(n, 2), 8):
        assert kmeans.loc[k, "skip_reason"].startswith(f"k={k} needs at least {k + 1} customers"), k
    dbscan = candidates[candidates["algorithm"] == "dbscan"]
    assert "fewer than cluster_dbscan_min_samples" in dbscan["skip_reason"].iloc[0]
    if n < 3:  # fewer than k_min + 1 = 3: k cannot be compared
        assert chosen["selection_reason"].iloc[0].startswith("skipped:")
        assert chosen["k"].iloc[0] == min(n, 1)
        assert fitted.empty
        assert (assignments["cluster_id"] == 0).all()
    else:
        assert not chosen["selection_reason"].iloc[0].startswith("skipped:")
        assert chosen["k"].iloc[0] <= n - 1


def test_zero_customers_give_no_centroids_and_a_reason():
    results = cf.fit_clusters(tiny_frame(0), all_algorithms_config())
    assert results["centroid"].empty
    assert results["assignment"].empty
    chosen = results["selection"][results["selection"]["is_chosen"]]
    assert "no customers" in chosen["selection_reason"].iloc[0]
    assert (results["scaler"]["scale"] == 1.0).all()


def test_valid_k_values_stop_below_the_number_of_points():
    config = planted_config(k_min=2, k_max=7)
    assert cf.valid_k_values(0, config) == []
    assert cf.valid_k_values(2, config) == []
    assert cf.valid_k_values(3, config) == [2]
    assert cf.valid_k_values(100, config) == [2, 3, 4, 5, 6, 7]


def test_records_of_zero_customers_load_into_duckdb_with_typed_columns():
    duckdb = pytest.importorskip("duckdb")
    records = cf.to_records(cf.fit_clusters(tiny_frame(0), all_algorithms_config()))
    types = dict(zip(records.columns, duckdb.sql("select * from records").types))
    assert str(types["customer_id"]) == "VARCHAR"
    assert str(types["category_value"]) == "VARCHAR"
    assert str(types["k"]) == "DOUBLE"


@pytest.mark.parametrize("n", [3, 60])
def test_identical_customers_fit_without_error(n):
    """No orders and no activity: every customer has the same features (zero spread)."""
    frame = tiny_frame(n)
    frame[["f1", "f2", "f3"]] = 0.0
    results = cf.fit_clusters(frame, all_algorithms_config(pca_components=2))
    chosen = results["selection"][results["selection"]["is_chosen"]]
    assert len(chosen) == 1
    assert len(results["assignment"]) == n
    assert np.isfinite(results["assignment"]["distance_to_centroid"]).all()


# --- candidates skipped with a reason, honest selection reasons, size floor ----


def selection_rows(k_values, **columns) -> pd.DataFrame:
    """A kmeans selection table over k_values with the given metric columns."""
    return pd.DataFrame({"algorithm": "kmeans", "k": list(k_values), **columns})


def test_gap_rule_that_never_holds_says_so_and_falls_back():
    """The gap keeps rising to k_max (as on real customer data): the old reason claimed
    Tibshirani's rule held at the argmax; now it says it never held and falls back."""
    k_values = range(2, 9)
    gap = [0.68, 1.00, 1.11, 1.22, 1.36, 1.50, 1.55]
    selection = selection_rows(k_values, gap=gap, gap_sd=[0.01] * 7,
                               inertia=[100.0, 40.0, 30.0, 25.0, 22.0, 20.0, 19.0])
    k, reason = cf.choose_k(selection, "kmeans", "gap", fallback="elbow")
    print(reason)
    assert k == 3
    assert "held for no k" in reason and "Tibshirani's rule" not in reason
    assert "gap ran to the top of the range" in reason and "fell back to elbow" in reason
    k_kept, reason_kept = cf.choose_k(selection, "kmeans", "gap", fallback="none")
    assert k_kept == 8 and "kept (cluster_selection_fallback none)" in reason_kept


def test_gap_rule_that_holds_is_reported_as_holding():
    selection = selection_rows(range(2, 6), gap=[0.5, 0.9, 0.85, 0.8], gap_sd=[0.02] * 4, inertia=[9.0, 4, 3, 2.5])
    k, reason = cf.choose_k(selection, "kmeans", "gap")
    assert k == 3 and "Tibshirani's rule" in reason and "ran to the top" not in reason


def test_bic_running_to_k_max_falls_back_to_the_configured_fallback():
    selection = selection_rows(
        range(2, 7), bic=[500.0, 400, 350, 330, 320], silhouette=[0.3, 0.5, 0.4, 0.35, 0.3],
        inertia=[100.0, 40, 30, 26, 24],
    )
    assert cf.choose_k(selection, "kmeans", "bic", "elbow")[0] == 3
    k, reason = cf.choose_k(selection, "kmeans", "bic", "silhouette")
    assert k == 3 and "bic ran to the top of the range" in reason and "highest silhouette (0.5000)" in reason
    assert cf.choose_k(selection, "kmeans", "bic", "none")[0] == 6
    # an optimum inside the range is kept as it is
    inside = selection.assign(bic=[500.0, 300, 350, 330, 320])
    k_inside, reason_inside = cf.choose_k(inside, "kmeans", "bic", "elbow")
    assert k_inside == 3 and "lowest bic" in reason_inside and "ran to the top" not in reason_inside


def test_choose_k_passes_over_partitions_below_the_size_floor_and_says_so():
    selection = selection_rows(
        range(2, 6), silhouette=[0.40, 0.45, 0.60, 0.50], inertia=[50.0, 30, 20, 15],
        min_cluster_share=[0.30, 0.20, 0.004, 0.003],
        skip_reason=[None, None, cf.below_floor_reason(0.004, 0.02), cf.below_floor_reason(0.003, 0.02)],
    )
    k, reason = cf.choose_k(selection, "kmeans", "silhouette")
    # k=4 has the highest silhouette but a cluster of 0.4%; among k=2, 3 the best is 3,
    # the top of what is left: the elbow fallback then picks the knee of k=2, 3 (k=2)
    assert k in (2, 3) and "k=4, 5 passed over (a cluster below cluster_min_share)" in reason
    every = selection.assign(min_cluster_share=0.001, skip_reason=cf.below_floor_reason(0.001, 0.02))
    k_every, reason_every = cf.choose_k(every, "kmeans", "silhouette", "none")
    assert k_every == 4 and "the floor was set aside" in reason_every


def test_a_planted_tiny_cluster_is_below_the_floor():
    """Three big blobs and a tiny one (6 of 906 customers) away from them: k=4 isolates
    the tiny one, so with a 5% floor k=4 is recorded as below it and not chosen."""
    points, _ = make_blobs(n_samples=[300, 300, 300, 6], centers=[[0, 0], [10, 0], [0, 10], [25, 25]],
                           cluster_std=0.5, random_state=2)
    frame = pd.DataFrame(points, columns=["f1", "f2"]).assign(customer_id=[f"c{i:04d}" for i in range(906)])
    config = cf.ClusterConfig(numeric_features=["f1", "f2"], algorithms=["kmeans"], k_min=2, k_max=4,
                              n_init=4, bootstrap_rounds=2, gap_references=0, min_cluster_share=0.05,
                              order_feature="f1")
    selection = cf.fit_clusters(frame, config)["selection"].set_index("k")
    assert selection.loc[4, "min_cluster_share"] == pytest.approx(6 / 906)
    assert selection.loc[4, "skip_reason"].startswith("smallest cluster holds 0.7% of the fit")
    chosen = selection[selection["is_chosen"]]
    assert chosen.index.tolist() == [3]
    assert "k=4 passed over (a cluster below cluster_min_share)" in chosen["selection_reason"].item()


def test_dbscan_with_an_eps_of_zero_is_skipped_with_the_reason():
    """Most customers share identical features (one order, same amount): the k-distance
    knee is 0, which DBSCAN rejects; the row says why and the fit goes on."""
    rng = np.random.default_rng(1)
    points = np.vstack([np.zeros((50, 2)), rng.normal(size=(5, 2))])
    config = cf.ClusterConfig(numeric_features=["a", "b"], dbscan_min_samples=10)
    assert cf.dbscan_eps(points, 10) == 0.0
    subset = np.arange(len(points))
    row = cf.evaluate_dbscan(points, subset, cdist(points, points), config)
    assert row["k"] == 0 and row["skip_reason"].startswith("eps would be 0")
    few = cf.evaluate_dbscan(points[:4], subset[:4], cdist(points[:4], points[:4]), config)
    assert "4 customers in the fit, fewer than cluster_dbscan_min_samples (10)" in few["skip_reason"]


def test_value_concentration_reports_imputed_and_most_common_value_shares():
    frame = pd.DataFrame({"recency": [1.0, 2.0, np.nan, np.nan, np.nan], "orders": [1.0, 1.0, 1.0, 2.0, 3.0]})
    config = cf.ClusterConfig(numeric_features=["recency", "orders"], impute={"recency": "max"})
    params = cf.fit_scaler_params(frame, config).set_index("encoded_feature")
    assert params.loc["recency", "imputed_share"] == pytest.approx(0.6)
    # the three imputed values (max = 2) join the one real 2: 4 of 5 share a value
    assert params.loc["recency", "top_value_share"] == pytest.approx(0.8)
    assert params.loc["orders", "imputed_share"] == 0
    assert params.loc["orders", "top_value_share"] == pytest.approx(0.6)
    empty = cf.fit_scaler_params(frame.iloc[0:0], config)
    assert empty[["imputed_share", "top_value_share"]].isna().all().all()


def test_imputation_is_fitted_on_the_population_it_is_given():
    """Buyers only: the fill is the buyers' maximum recency, not a non-buyer's imputed one."""
    buyers = pd.DataFrame({"days_since_last_order": [3.0, 30.0, 300.0, np.nan]})
    config = cf.ClusterConfig(numeric_features=["days_since_last_order"], impute={"days_since_last_order": "max"})
    assert cf.fit_scaler_params(buyers, config)["fill_value"].item() == 300.0


@pytest.mark.parametrize("n", [4, 5])
def test_fewer_customers_than_k_max_fit_the_k_they_support(n):
    config = all_algorithms_config(k_max=8, dbscan_min_samples=10)
    results = cf.fit_clusters(tiny_frame(n), config)
    selection = results["selection"]
    chosen = selection[selection["is_chosen"]]
    assert len(chosen) == 1 and 2 <= chosen["k"].item() <= n - 1
    unsupported = selection[(selection["algorithm"] == "kmeans") & (selection["k"] >= n)]
    assert sorted(unsupported["k"]) == list(range(n, 9))
    assert unsupported["inertia"].isna().all() and unsupported["skip_reason"].notna().all()
    assert f"k={', '.join(str(k) for k in range(n, 9))} not fitted (too few distinct customers)" in (
        chosen["selection_reason"].item()
    )
    assert len(results["assignment"]) == n


def test_min_cluster_share_counts_empty_clusters_and_noise():
    assert cf.min_cluster_share(np.array([0, 0, 1, 1]), 3) == 0.0
    assert cf.min_cluster_share(np.array([0, 0, 0, 1, -1]), 2) == pytest.approx(0.2)
    assert np.isnan(cf.min_cluster_share(np.zeros(0, dtype="int64"), 2))
