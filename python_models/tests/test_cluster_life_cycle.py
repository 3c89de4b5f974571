"""The cluster model life cycle of cluster_fit.py: fit or reuse (decide_refit), ids never
reused, lineage at a refit, and run_life_cycle over successive builds."""

import dataclasses
import datetime as dt
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import cluster_fit as cf
import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

FIT_DAY = dt.date(2026, 6, 30)


def blobs(k: int = 4, seed: int = 11) -> pd.DataFrame:
    points, _ = make_blobs(n_samples=400, centers=k, n_features=3, cluster_std=0.8, random_state=seed)
    frame = pd.DataFrame(points, columns=["f1", "f2", "f3"])
    frame["customer_id"] = [f"c{i:05d}" for i in range(len(frame))]
    return frame


def config(**changes) -> cf.ClusterConfig:
    base = cf.ClusterConfig(
        numeric_features=["f1", "f2", "f3"], k_min=2, k_max=6, n_init=3, bootstrap_rounds=1,
        gap_references=0, metric_sample_size=300, order_feature="f1", selection_criterion="silhouette",
    )
    return dataclasses.replace(base, **changes)


def of_type(records: pd.DataFrame, record_type: str) -> pd.DataFrame:
    return records[records["record_type"] == record_type].reset_index(drop=True)


@pytest.mark.parametrize(
    ("mode", "model_as_of", "as_of", "drift", "matches", "expected"),
    [
        ("when_stale", None, FIT_DAY, 0.0, True, "no_model"),
        ("never", None, FIT_DAY, 0.0, True, "no_model"),
        ("always", None, FIT_DAY, 0.0, True, "no_model"),
        ("when_stale", FIT_DAY, FIT_DAY + dt.timedelta(days=1), 0.0, True, None),
        ("when_stale", FIT_DAY, FIT_DAY + dt.timedelta(days=90), 0.0, True, None),
        ("when_stale", FIT_DAY, FIT_DAY + dt.timedelta(days=91), 0.0, True, "stale"),
        ("when_stale", FIT_DAY, FIT_DAY + dt.timedelta(days=1), 0.3, True, "drift"),
        ("when_stale", FIT_DAY, FIT_DAY - dt.timedelta(days=1), 0.0, True, "as_of_before_model"),
        ("when_stale", FIT_DAY, FIT_DAY, 0.0, False, "features_changed"),
        ("always", FIT_DAY, FIT_DAY, 0.0, True, "always"),
        ("never", FIT_DAY, FIT_DAY + dt.timedelta(days=400), 5.0, True, None),
        ("never", FIT_DAY, FIT_DAY, 0.0, False, "features_changed"),
    ],
)
def test_decide_refit(mode, model_as_of, as_of, drift, matches, expected):
    assert cf.decide_refit(mode, model_as_of, as_of, 90, drift, 0.25, matches) == expected


def test_decide_refit_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="cluster_refit"):
        cf.decide_refit("sometimes", None, FIT_DAY, 90, 0.0, 0.25)


def test_unmatched_centroids_get_ids_never_used_before():
    previous = pd.DataFrame({"cluster_id": [0, 3], "x": [0.0, 10.0]})
    ids = cf.match_to_previous(np.array([[0.1], [9.9], [5.0]]), previous, highest_id_used=6)
    assert ids.tolist() == [0, 3, 7]


def test_lineage_lists_vanished_kept_and_new_clusters():
    old = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    new = np.array([0, 0, 0, 5, 5, 5, 5, 0])
    lineage = cf.cluster_lineage(old, new, np.array([0, 1, 2]), np.array([0, 5])).set_index("old_cluster_id", drop=False)
    assert lineage.loc[0, "new_cluster_id"] == 0 and lineage.loc[0, "kept_share"] == 0.75
    assert pd.isna(lineage.loc[1, "new_cluster_id"]) and lineage.loc[1, "kept_share"] == 0
    assert lineage.loc[1, "destination_cluster_id"] == 5 and lineage.loc[1, "destination_share"] == 1
    # a tie (one customer each way) goes to the lowest id
    assert lineage.loc[2, "destination_cluster_id"] == 0 and lineage.loc[2, "destination_share"] == 0.5
    new_rows = lineage[lineage["old_cluster_id"].isna()]
    assert new_rows["new_cluster_id"].tolist() == [5] and new_rows["n_fitted"].tolist() == [4]


@pytest.fixture(scope="module")
def first() -> pd.DataFrame:
    return cf.run_life_cycle(blobs(), config(), None, FIT_DAY)


def test_first_build_fits_version_1(first):
    models = of_type(first, "model")
    assert models["model_version"].tolist() == [1] and models["fit_reason"].tolist() == ["no_model"]
    assert models["as_of_date"].tolist() == [str(FIT_DAY)]
    assert of_type(first, "lineage").empty
    assert sorted(of_type(first, "centroid")["cluster_id"].unique()) == list(range(int(models["k"].iloc[0])))


def test_next_day_assigns_with_the_stored_model(first):
    again = cf.run_life_cycle(blobs(), config(), first, FIT_DAY + dt.timedelta(days=1))
    for record_type in cf.MODEL_RECORD_TYPES:
        pd.testing.assert_frame_equal(of_type(again, record_type), of_type(first, record_type))
    pd.testing.assert_frame_equal(of_type(again, "assignment"), of_type(first, "assignment"))


def test_an_assignment_with_the_stored_model_imports_no_scikit_learn_or_scipy(first, tmp_path):
    # the assignment-only run (cluster_refit: never) pays for every import of the
    # model file: scikit-learn and scipy are imported only where a fit needs them.
    # A fresh interpreter reuses the stored model and reports what it imported.
    first.to_parquet(tmp_path / "first.parquet")
    blobs().to_parquet(tmp_path / "features.parquet")
    # the same settings as config(), handed over as the dataclass's fields
    settings = dataclasses.asdict(config())
    next_day = FIT_DAY + dt.timedelta(days=1)
    script = textwrap.dedent(f"""
        import datetime as dt, sys
        import pandas as pd
        sys.path.insert(0, {str(Path(cf.__file__).parent)!r})
        import cluster_fit as cf
        records = cf.run_life_cycle(
            pd.read_parquet({str(tmp_path / "features.parquet")!r}), cf.ClusterConfig(**{settings!r}),
            pd.read_parquet({str(tmp_path / "first.parquet")!r}), dt.date.fromisoformat({next_day.isoformat()!r}),
        )
        assert (records["record_type"] == "assignment").sum() > 0
        print(sorted(set(name.split(".")[0] for name in sys.modules) & set(("sklearn", "scipy"))))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_reuse_of_a_model_read_back_from_the_warehouse_is_warning_free_and_equal(first):
    # dbt hands the model its previous output as DuckDB returns it (text as objects,
    # all-null slice columns): stacking that with the new assignments once raised a
    # pandas FutureWarning on every nightly build (dtype from all-null columns)
    con = duckdb.connect()
    con.register("first_records", first)
    previous = con.execute("select * from first_records").df()
    assert previous.dtypes.to_dict() != first.dtypes.to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        again = cf.run_life_cycle(blobs(), config(), previous, FIT_DAY + dt.timedelta(days=1))
    in_memory = cf.run_life_cycle(blobs(), config(), first, FIT_DAY + dt.timedelta(days=1))
    pd.testing.assert_frame_equal(again, in_memory)


def test_previous_output_query_reads_the_model_without_old_assignments(first):
    # the nightly reuse reads only the model and its history back (not one row per
    # customer) and gives the same result as reading the whole previous output
    con = duckdb.connect()
    con.register("first_records", first)
    previous = con.execute(cf.previous_output_sql("first_records")).df()
    assert set(previous["record_type"]) == set(first["record_type"]) - {"assignment"}
    assert len(previous) == (first["record_type"] != "assignment").sum()
    whole = con.execute("select * from first_records").df()
    next_day = FIT_DAY + dt.timedelta(days=1)
    pd.testing.assert_frame_equal(
        cf.run_life_cycle(blobs(), config(), previous, next_day),
        cf.run_life_cycle(blobs(), config(), whole, next_day),
    )


def test_typed_records_types_warehouse_objects_nullable_and_boolean_columns():
    records = pd.DataFrame({
        "record_type": pd.Series(["model", None, "scaler"], dtype=object),
        "k": pd.Series([3, pd.NA, 4], dtype="Int64"),
        "is_chosen": [True, False, True],
        "inertia": pd.Series([1.5, None, np.nan], dtype=object),
        "customer_id": pd.Series([None, np.nan, "c1"], dtype=object),
    })
    typed = cf.typed_records(records)
    assert list(typed.columns) == list(cf.RECORD_COLUMNS)
    assert typed["record_type"].dtype == "string" and typed["customer_id"].dtype == "string"
    assert typed["record_type"].isna().tolist() == [False, True, False]
    assert typed["customer_id"].isna().tolist() == [True, True, False]
    assert typed["k"].dtype == "float64" and typed["k"].isna().tolist() == [False, True, False]
    assert typed["k"].dropna().tolist() == [3.0, 4.0]
    assert typed["is_chosen"].tolist() == [1.0, 0.0, 1.0]
    assert typed["inertia"].iloc[0] == 1.5 and typed["inertia"].iloc[1:].isna().all()
    # absent columns: all missing, in their type
    assert typed["silhouette"].dtype == "float64" and typed["silhouette"].isna().all()
    assert typed["skip_reason"].dtype == "string" and typed["skip_reason"].isna().all()


def test_always_fits_version_2_keeping_matched_ids(first):
    refit = cf.run_life_cycle(blobs(), config(refit="always"), first, FIT_DAY + dt.timedelta(days=1))
    models = of_type(refit, "model")
    assert models["model_version"].tolist() == [1, 2] and models["fit_reason"].tolist() == ["no_model", "always"]
    lineage = of_type(refit, "lineage")
    assert (lineage["model_version"] == 2).all()
    assert (lineage["old_cluster_id"] == lineage["new_cluster_id"]).all()
    assert (lineage["kept_share"] == 1).all()


def test_drift_past_the_threshold_refits(first):
    shifted = blobs().assign(f1=lambda frame: frame["f1"] + 3 * frame["f1"].std())
    refit = cf.run_life_cycle(shifted, config(), first, FIT_DAY + dt.timedelta(days=1))
    model = of_type(refit, "model").iloc[-1]
    assert model["fit_reason"] == "drift" and model["feature_drift"] > 0.25


def test_a_refit_with_fewer_clusters_lists_the_vanished_and_never_reuses_ids(first):
    fewer = cf.run_life_cycle(blobs(), config(refit="always", k_max=2), first, FIT_DAY + dt.timedelta(days=1))
    lineage = of_type(fewer, "lineage")
    assert lineage["new_cluster_id"].isna().sum() == of_type(first, "model")["k"].iloc[0] - 2
    # the clusters that came back after vanishing get new ids, above every id used
    again = cf.run_life_cycle(blobs(), config(refit="always"), fewer, FIT_DAY + dt.timedelta(days=2))
    old_ids = set(of_type(first, "centroid")["cluster_id"])
    new = of_type(again, "lineage")
    new_ids = new.loc[new["old_cluster_id"].isna(), "new_cluster_id"]
    assert len(new_ids) > 0 and (new_ids > max(old_ids)).all()
    assert of_type(again, "model")["model_version"].tolist() == [1, 2, 3]


def test_changed_features_refit_with_new_ids(first):
    frame = blobs().assign(f4=1.0)
    changed = cf.run_life_cycle(frame, config(numeric_features=["f1", "f2", "f3", "f4"]), first, FIT_DAY)
    model = of_type(changed, "model").iloc[-1]
    assert model["fit_reason"] == "features_changed"
    assert of_type(changed, "centroid")["cluster_id"].min() > of_type(first, "centroid")["cluster_id"].max()
    assert of_type(changed, "lineage").empty


def test_a_model_fitted_on_nobody_is_kept_while_nobody_comes_and_replaced_when_customers_do():
    empty = blobs().iloc[:0]
    nobody = cf.run_life_cycle(empty, config(), None, None)
    again = cf.run_life_cycle(empty, config(), nobody, None)
    assert of_type(again, "model")["model_version"].tolist() == [1]
    customers = cf.run_life_cycle(blobs(), config(), again, FIT_DAY)
    models = of_type(customers, "model")
    assert models["model_version"].tolist() == [1, 2] and models["fit_reason"].tolist() == ["no_model", "no_model"]
    assert of_type(customers, "lineage").empty


def test_a_reuse_assigns_the_check_sample_only_with_the_same_clusters(first):
    # the published assignment is the SQL one; Python assigns a seeded sample to check it
    next_day = FIT_DAY + dt.timedelta(days=1)
    sampled = of_type(cf.run_life_cycle(blobs(), config(sample_size=100), first, next_day), "assignment")
    everyone = of_type(first, "assignment").set_index("customer_id")
    assert len(sampled) == 100 and sampled["customer_id"].is_unique
    assert (everyone.loc[sampled["customer_id"], "cluster_id"].to_numpy() == sampled["cluster_id"].to_numpy()).all()
    # the model rows are still re-emitted whole
    for record_type in cf.MODEL_RECORD_TYPES:
        pd.testing.assert_frame_equal(
            of_type(cf.run_life_cycle(blobs(), config(sample_size=100), first, next_day), record_type),
            of_type(first, record_type),
        )


def test_the_check_sample_depends_on_ids_and_seed_not_on_row_order():
    frame = blobs()
    sample = set(cf.assignment_check_sample(frame, 50, seed=42)["customer_id"])
    shuffled = frame.sample(frac=1, random_state=3)
    assert set(cf.assignment_check_sample(shuffled, 50, seed=42)["customer_id"]) == sample
    assert set(cf.assignment_check_sample(frame, 50, seed=7)["customer_id"]) != sample
    assert len(sample) == 50
    assert cf.assignment_check_sample(frame, 400, seed=42) is frame


def test_the_check_sample_is_the_ids_with_the_lowest_seeded_hash():
    # the ids are hashed one by one (no factorisation first): the sample must stay the
    # one pandas' object hash with the seed's key picks, so an upgrade keeps it
    frame = blobs()
    hashes = pd.util.hash_pandas_object(frame["customer_id"], index=False, hash_key=f"{42:016d}")
    lowest = set(frame.loc[hashes.nsmallest(50).index, "customer_id"])
    assert set(cf.assignment_check_sample(frame, 50, seed=42)["customer_id"]) == lowest
