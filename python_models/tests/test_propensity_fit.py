"""Pure functions of python_models/clustering/propensity_fit.py on data with a planted signal."""

import numpy as np
import pandas as pd
import propensity_fit as pf
import pyarrow as pa
import pytest


class Relation:
    """A stand-in relation that is neither DuckDB nor Snowpark: read whole."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def to_pandas(self) -> pd.DataFrame:
        return self._frame.copy()


def settings_of(kind: str, n_estimators: int, folds: int, seed: int, training_sample_size: int | None = None,
                **life_cycle) -> pf.Settings:
    """The model's settings for a fit of fit_propensity's arguments (no cap: every row)."""
    return pf.Settings(kind, n_estimators, folds, 10**9 if training_sample_size is None else training_sample_size,
                       seed, horizon_days=90, top_share=0.1, **life_cycle)


def stored_scorer(propensity: pf.Propensity, kind: str) -> pf.Scorer:
    """The fitted model through its stored form, as model() scores with it."""
    records = pf.model_records(propensity, kind, 1, None, "no_model", settings_of(kind, 1, 1, 1).describe(propensity.columns))
    return pf.scorer_from_records(records, 1)


def fit_and_score(frame: pd.DataFrame, kind: str, *args, batch_rows: int = pf.SCORING_BATCH_ROWS, **kwargs) -> dict:
    """What model() does with one frame of snapshots and no stored model: fit on its
    labelled rows, score its scoring rows in batches through the stored form; the
    diagnostics tables and the scores as pandas."""
    propensity = pf.fit_propensity(frame, kind, *args, **kwargs)
    scores = pf.score_batches(stored_scorer(propensity, kind), pf.scoring_batches(Relation(frame), batch_rows))
    return {**propensity.diagnostics, "score": scores.to_pandas()}


def records_of(frame: pd.DataFrame, kind: str, *args, previous: pd.DataFrame | None = None, **kwargs) -> pa.Table:
    """What model() returns on DuckDB for one frame of snapshots (settings_of's arguments)."""
    return pf.run_life_cycle(Relation(frame), settings_of(kind, *args, **kwargs), previous)


def snapshots(n: int, seed: int, signal: bool = True, names: tuple[str, ...] = ("training", "scoring")) -> pd.DataFrame:
    """Snapshots (training + scoring unless names says otherwise) where past
    revenue_90d drives the target of every labelled snapshot, ranked for the sample in
    a random order (as the hash ranks them in int_customers__propensity_features)."""
    rng = np.random.default_rng(seed)
    frames = []
    for name in names:
        revenue = rng.lognormal(4, 1, n)
        recency = rng.integers(0, 300, n).astype(float)
        recency[::7] = np.nan
        frame = pd.DataFrame({
            "customer_id": [f"c{i:04d}" for i in range(n)], "snapshot_name": name,
            "snapshot_date": pd.Timestamp("2026-01-01"), "revenue_90d": revenue,
            "days_since_last_order": recency, "noise": rng.normal(size=n),
        })
        if name != "scoring":
            frame["is_target"] = revenue > np.quantile(revenue, 0.9) if signal else False
            frame["future_revenue"] = revenue
            frame["training_sample_rank"] = rng.permutation(n) + 1
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("kind", ["random_forest", "gradient_boosting"])
def test_classifier_finds_the_planted_signal(kind):
    results = fit_and_score(snapshots(600, 1), kind=kind, n_estimators=50, folds=5, seed=3)
    metrics = results["metric"].set_index("name")["value"]
    importances = results["importance"].set_index("name")["value"]
    print(f"{kind}: cv ROC-AUC {metrics['cv_roc_auc_mean']:.3f}")
    assert metrics["cv_roc_auc_mean"] > 0.9
    assert importances.idxmax() == "revenue_90d"
    assert importances.sum() == pytest.approx(1.0)
    assert len(results["score"]) == 600
    assert results["score"]["value"].between(0, 1).all()


def test_feature_columns_exclude_ids_and_labels():
    assert pf.feature_columns(snapshots(10, 2)) == ["days_since_last_order", "noise", "revenue_90d"]


def test_single_class_training_reports_missing_auc_instead_of_failing():
    results = fit_and_score(snapshots(50, 4, signal=False), kind="random_forest", n_estimators=10, folds=5, seed=1)
    metrics = results["metric"].set_index("name")["value"]
    assert np.isnan(metrics["cv_roc_auc_mean"])
    assert (results["score"]["value"] == 0).all()


def test_records_are_keyed_by_type():
    records = records_of(snapshots(100, 5), "random_forest", 10, 3, 1).to_pandas()
    assert set(records["record_type"]) == {"score", "metric", "importance", "calibration", "model", "tree_node"}
    assert set(records["model_version"]) == {1}
    calibration = records[records["record_type"] == "calibration"]
    assert set(calibration["evaluation"]) == {"cross_validated"}
    assert calibration["probability_bin"].between(1, 10).all()


def test_unknown_classifier_is_rejected():
    with pytest.raises(ValueError, match="unknown classifier"):
        pf.make_classifier("svm", 10, 1)


def test_training_is_capped_by_a_seeded_sample_but_everyone_is_scored():
    results = fit_and_score(snapshots(600, 1), kind="random_forest", n_estimators=20, folds=3, seed=3,
                                training_sample_size=200)
    metrics = results["metric"].set_index("name")["value"]
    assert metrics["training_customers"] == 200
    assert metrics["cv_roc_auc_mean"] > 0.85
    assert len(results["score"]) == 600



def test_the_sample_is_the_lowest_ranks_in_customer_order_whatever_the_row_order():
    training = snapshots(600, 1).query("snapshot_name == 'training'")
    sample = pf.sample_training(training, 200)
    assert sorted(sample["training_sample_rank"]) == list(range(1, 201))
    assert sample["customer_id"].is_monotonic_increasing
    shuffled = training.sample(frac=1, random_state=9)
    assert pf.sample_training(shuffled, 200).equals(sample)
    assert len(pf.sample_training(training, 1000)) == len(pf.sample_training(training, None)) == 600


def test_the_rank_column_is_not_a_feature():
    assert "training_sample_rank" not in pf.feature_columns(snapshots(10, 2))


def test_reading_a_stand_in_keeps_the_labelled_sample_and_batches_the_scoring_rows():
    frame = snapshots(50, 2, names=("out_of_time_training", "training", "scoring"))
    read = pf.read_labelled(Relation(frame), 10)
    assert read["snapshot_name"].value_counts().to_dict() == {"training": 10, "out_of_time_training": 10}
    assert read["training_sample_rank"].max() == 10
    batches = list(pf.scoring_batches(Relation(frame), 16))
    assert [len(batch) for batch in batches] == [16, 16, 16, 2]
    scoring_ids = frame.loc[frame["snapshot_name"] == "scoring", "customer_id"]
    assert pd.concat(batches)["customer_id"].tolist() == scoring_ids.tolist()


def test_reading_duckdb_filters_and_batches_in_the_engine_like_the_stand_in():
    duckdb = pytest.importorskip("duckdb")
    frame = snapshots(50, 2, names=("out_of_time_training", "training", "scoring"))
    connection = duckdb.connect()
    connection.register("features", frame)
    relation = connection.table("features")
    read = pf.read_labelled(relation, 10)
    expected = pf.read_labelled(Relation(frame), 10)
    key = ["snapshot_name", "customer_id"]
    assert len(read) == 20
    assert read.sort_values(key)[key + ["training_sample_rank"]].values.tolist() == (
        expected.sort_values(key)[key + ["training_sample_rank"]].values.tolist()
    )
    batches = list(pf.scoring_batches(relation, 16))
    assert len(batches) == 4 and max(len(batch) for batch in batches) == 16
    scoring = pd.concat(batches)
    assert sorted(scoring["customer_id"]) == sorted(frame.loc[frame["snapshot_name"] == "scoring", "customer_id"])
    assert set(scoring["snapshot_name"]) == {"scoring"}
    assert list(scoring.columns) == list(frame.columns)


def test_scores_do_not_depend_on_the_batch_size_or_the_engine():
    duckdb = pytest.importorskip("duckdb")
    frame = snapshots(300, 4)
    scorer = stored_scorer(pf.fit_propensity(frame, "random_forest", 20, 3, 1), "random_forest")
    whole = pf.score_batches(scorer, pf.scoring_batches(Relation(frame), 1000)).to_pandas()
    small = pf.score_batches(scorer, pf.scoring_batches(Relation(frame), 7)).to_pandas()
    connection = duckdb.connect()
    connection.register("features", frame)
    engine = pf.score_batches(scorer, pf.scoring_batches(connection.table("features"), 64)).to_pandas()
    assert len(whole) == 300 and whole["value"].nunique() > 10
    pd.testing.assert_frame_equal(small, whole)
    pd.testing.assert_frame_equal(engine.sort_values("customer_id", ignore_index=True),
                                  whole.sort_values("customer_id", ignore_index=True))
    assert str(whole["snapshot_date"].dtype) == "datetime64[us]"
    assert (whole["snapshot_date"] == pd.Timestamp("2026-01-01")).all()


@pytest.mark.parametrize("kind", ["random_forest", "gradient_boosting"])
def test_the_stored_trees_score_as_the_classifier_does(kind):
    """Scores through the stored form (tree_node rows read back into tree structures)
    equal the fitted classifier's predict_proba: exactly for a forest (same sums in the
    same order), to rounding for boosting (the base is recomputed from the prior)."""
    frame = snapshots(400, 5)
    labelled = frame["snapshot_name"] == "training"
    flipped = labelled & (np.random.default_rng(2).random(len(frame)) < 0.15)
    frame.loc[flipped, "is_target"] = ~frame.loc[flipped, "is_target"].astype(bool)  # noise: many distinct leaves
    propensity = pf.fit_propensity(frame, kind, 15, 3, 1)
    scoring = frame[frame["snapshot_name"] == "scoring"]
    scores = pf.score_batches(stored_scorer(propensity, kind), pf.scoring_batches(Relation(frame), 50)).to_pandas()
    expected = propensity.classifier.predict_proba(pf.feature_matrix(scoring, propensity.columns))[:, 1]
    assert len(np.unique(expected)) > 20
    if kind == "random_forest":
        np.testing.assert_array_equal(scores["value"].to_numpy(), expected)
    else:
        np.testing.assert_allclose(scores["value"].to_numpy(), expected, rtol=0, atol=1e-12)
    assert scores["customer_id"].tolist() == scoring["customer_id"].tolist()


# --- empty and tiny inputs ---------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3])
def test_empty_and_tiny_snapshots_give_typed_records_and_skip_reasons(n):
    frame = snapshots(max(n, 1), 6).groupby("snapshot_name").head(n).reset_index(drop=True)
    results = fit_and_score(frame, kind="random_forest", n_estimators=10, folds=5, seed=1)
    metrics = results["metric"].set_index("name")["value"]
    assert metrics[pf.SKIPPED_CROSS_VALIDATION] == 1.0
    # one row is one class; three rows hold a positive (top 10%) and can be fitted
    assert (pf.SKIPPED_CLASSIFIER in metrics) == (n < 2)
    assert len(results["score"]) == n
    assert results["score"]["value"].notna().all()
    records = records_of(frame, "random_forest", 10, 5, 1)
    assert records.schema == pf.RECORD_SCHEMA
    types = records.to_pandas()["record_type"].value_counts()
    assert types.get("score", 0) == n and types["model"] == 1
    assert (types.get("tree_node", 0) > 0) == (n >= 2)
    assert types.sum() == (n + 1 + types.get("tree_node", 0) + len(results["metric"]) + len(results["importance"])
                           + len(results["calibration"]))


def test_records_of_zero_customers_type_customer_id_as_text_in_duckdb():
    duckdb = pytest.importorskip("duckdb")
    frame = snapshots(1, 6).head(0)
    records = records_of(frame, "random_forest", 10, 5, 1)
    types = dict(zip(records.column_names, duckdb.sql("select * from records").types))
    assert str(types["customer_id"]) == "VARCHAR"
    assert str(types["snapshot_date"]).startswith("TIMESTAMP")


def test_a_fitted_model_records_no_skip():
    metrics = fit_and_score(snapshots(300, 1), "random_forest", 10, 3, 1)["metric"]["name"]
    assert pf.SKIPPED_CROSS_VALIDATION not in set(metrics)
    assert pf.SKIPPED_CLASSIFIER not in set(metrics)


def test_training_rows_without_scoring_rows_give_no_scores():
    frame = snapshots(200, 7).query("snapshot_name == 'training'")
    results = fit_and_score(frame, "random_forest", 10, 3, 1)
    assert results["score"].empty
    assert results["metric"].set_index("name")["value"]["cv_roc_auc_mean"] > 0.5


def test_scoring_rows_without_training_rows_score_zero_not_null():
    """Every customer signed up after the training snapshot (a demo of new customers):
    no training rows, so every score is 0 and the classifier fit is recorded as skipped."""
    frame = snapshots(5, 8).query("snapshot_name == 'scoring'")
    results = fit_and_score(frame, "random_forest", 10, 5, 1)
    assert results["score"]["value"].tolist() == [0.0] * len(frame)
    assert results["metric"].set_index("name")["value"][pf.SKIPPED_CLASSIFIER] == 1.0


# --- diagnostics: PR-AUC, top decile, calibration, out of time --------------


def test_metrics_of_a_hand_computed_case():
    """Ten customers, positives ranked 1st and 3rd, one per probability decile.
    ROC-AUC: 0.9 beats all 8 negatives, 0.7 beats 7 of them: 15/16. Average precision:
    (1/1 + 2/3) / 2. Top decile: the one highest score, a positive. Brier: the mean
    of (score - label)^2 = 1.6525 / 10. ECE: one customer per bin, the mean |score - label|."""
    target = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    metrics = pf.classification_metrics(target, scores)
    assert metrics["roc_auc"] == pytest.approx(15 / 16)
    assert metrics["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    assert metrics["precision_top_decile"] == pytest.approx(1.0)
    assert metrics["brier_score"] == pytest.approx(0.16525)
    assert metrics["expected_calibration_error"] == pytest.approx(0.335)
    table = pf.calibration_table(target, scores)
    assert table["probability_bin"].tolist() == list(range(1, 11))
    assert (table["count_customers"] == 1).all()


def test_calibration_table_groups_by_probability_decile_by_hand():
    """Bin 2 holds 0.12 and 0.18 (one positive), bin 10 holds 0.91 and 0.95 (both
    positive): ECE = 0.5 x |0.15 - 0.5| + 0.5 x |0.93 - 1|."""
    table = pf.calibration_table(np.array([0, 1, 1, 1], dtype=bool), np.array([0.12, 0.18, 0.91, 0.95]))
    assert table.to_dict("list") == {
        "probability_bin": [2.0, 10.0], "count_customers": [2.0, 2.0],
        "mean_predicted_probability": [pytest.approx(0.15), pytest.approx(0.93)],
        "observed_positive_rate": [0.5, 1.0],
    }
    assert pf.expected_calibration_error(table) == pytest.approx(0.21)
    assert pf.calibration_table(np.array([True]), np.array([1.0]))["probability_bin"].tolist() == [10.0]


def test_precision_in_top_decile_averages_ties_at_the_cut_off():
    """20 customers, top decile = 2: one positive alone at 0.9, then three tied at 0.5
    holding one positive: 1 + 1 x 1/3 of 2 = 2/3, whatever the row order."""
    scores = np.array([0.9, 0.5, 0.5, 0.5] + [0.1] * 16)
    target = np.array([1, 0, 0, 1] + [0] * 16, dtype=bool)
    assert pf.precision_in_top_share(target, scores) == pytest.approx(2 / 3)
    order = np.random.default_rng(0).permutation(20)
    assert pf.precision_in_top_share(target[order], scores[order]) == pytest.approx(2 / 3)
    assert np.isnan(pf.precision_in_top_share(np.array([], dtype=bool), np.array([])))


def test_metrics_agree_with_sklearn_and_a_sort_without_ties():
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    rng = np.random.default_rng(11)
    scores = rng.uniform(size=500)
    target = rng.uniform(size=500) < scores ** 2
    metrics = pf.classification_metrics(target, scores)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(target, scores))
    assert metrics["pr_auc"] == pytest.approx(average_precision_score(target, scores))
    assert metrics["brier_score"] == pytest.approx(brier_score_loss(target, scores))
    assert metrics["precision_top_decile"] == pytest.approx(target[np.argsort(-scores)[:50]].mean())
    single_class = pf.classification_metrics(np.zeros(5, dtype=bool), np.full(5, 0.2))
    assert np.isnan(single_class["roc_auc"]) and np.isnan(single_class["pr_auc"])
    assert single_class["brier_score"] == pytest.approx(0.04)


def test_cross_validation_folds_match_sklearn_cross_val_score():
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    frame = snapshots(300, 9).query("snapshot_name == 'training'")
    columns = pf.feature_columns(frame)
    features, target = pf.feature_matrix(frame, columns), frame["is_target"].astype(bool).to_numpy()
    per_fold, out_of_fold = pf.cross_validate(features, target, "random_forest", 20, 3, 5)
    expected = cross_val_score(
        pf.make_classifier("random_forest", 20, 5), features, target,
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=5), scoring="roc_auc",
    )
    np.testing.assert_allclose(per_fold["roc_auc"].to_numpy(dtype=float), expected)
    assert not np.isnan(out_of_fold).any() and ((out_of_fold >= 0) & (out_of_fold <= 1)).all()


def test_diagnostics_in_the_fit_report_pr_auc_top_decile_calibration_and_out_of_time():
    frame = snapshots(600, 1, names=("out_of_time_training", "training", "scoring"))
    results = fit_and_score(frame, "random_forest", n_estimators=30, folds=3, seed=3)
    metrics = results["metric"].set_index("name")["value"]
    print({name: round(value, 3) for name, value in metrics.items() if name.startswith(("cv_", "oot_"))})
    assert pf.SKIPPED_OUT_OF_TIME not in metrics
    # positive share 0.1: a ranking at chance scores about 0.1 on PR-AUC and top decile
    assert metrics["cv_roc_auc_mean"] > 0.9 and metrics["oot_roc_auc"] > 0.9
    for name in ("cv_pr_auc_mean", "cv_precision_top_decile_mean", "oot_pr_auc", "oot_precision_top_decile"):
        assert metrics[name] > 0.4, name
    for name in ("cv_brier_score", "cv_expected_calibration_error", "oot_brier_score",
                 "oot_expected_calibration_error"):
        assert 0 <= metrics[name] < 0.25, name
    assert metrics["oot_training_customers"] == metrics["oot_evaluated_customers"] == 600
    calibration = results["calibration"]
    counts = calibration[calibration["name"] == "count_customers"].groupby("evaluation")["value"].sum()
    assert counts.to_dict() == {"cross_validated": 600.0, "out_of_time": 600.0}


def test_out_of_time_check_sees_drift_that_cross_validation_cannot():
    """The target follows revenue_90d one horizon earlier and noise later: cross-
    validation on the later snapshot finds nothing to learn from revenue, and the
    out-of-time model (fitted on the earlier snapshot) ranks the later one at chance."""
    frame = snapshots(600, 2, names=("out_of_time_training", "training", "scoring"))
    later = frame["snapshot_name"] == "training"
    frame.loc[later, "is_target"] = frame.loc[later, "noise"] > frame.loc[later, "noise"].quantile(0.9)
    metrics = fit_and_score(frame, "random_forest", 30, 3, 3)["metric"].set_index("name")["value"]
    assert metrics["cv_roc_auc_mean"] > 0.8
    assert abs(metrics["oot_roc_auc"] - 0.5) < 0.1
    assert metrics["oot_precision_top_decile"] < 0.25


def test_out_of_time_check_is_skipped_without_its_snapshot_or_with_one_class():
    metrics = fit_and_score(snapshots(100, 3), "random_forest", 10, 3, 1)["metric"].set_index("name")["value"]
    assert metrics[pf.SKIPPED_OUT_OF_TIME] == 1.0
    assert "oot_roc_auc" not in metrics
    frame = snapshots(100, 3, names=("out_of_time_training", "training", "scoring"))
    frame.loc[frame["snapshot_name"] == "out_of_time_training", "is_target"] = False
    metrics = fit_and_score(frame, "random_forest", 10, 3, 1)["metric"].set_index("name")["value"]
    assert metrics[pf.SKIPPED_OUT_OF_TIME] == 1.0
    assert metrics["oot_positive_share_training"] == 0.0


def test_out_of_time_check_is_capped_by_the_training_sample():
    frame = snapshots(600, 1, names=("out_of_time_training", "training", "scoring"))
    metrics = fit_and_score(frame, "random_forest", 10, 3, 3, training_sample_size=200)["metric"]
    metrics = metrics.set_index("name")["value"]
    assert metrics["oot_training_customers"] == metrics["oot_evaluated_customers"] == 200


def test_the_columns_a_record_type_lacks_are_null_in_arrow_and_in_duckdb():
    duckdb = pytest.importorskip("duckdb")
    scores = pa.table({"customer_id": ["a", "b", "c"], "value": [0.1, 0.2, 0.3]})
    records = pf.typed_records("score", scores, classifier="random_forest", model_version=2)
    assert records.schema == pf.RECORD_SCHEMA
    given = {"record_type", "classifier", "customer_id", "value", "model_version"}
    for name in records.column_names:
        assert records[name].null_count == (0 if name in given else 3), name
    stored = duckdb.sql("select * from records").df()
    assert stored.drop(columns=list(given)).isna().all().all()
    assert stored["model_version"].tolist() == [2, 2, 2] and stored["customer_id"].tolist() == ["a", "b", "c"]
