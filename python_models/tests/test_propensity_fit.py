"""Pure functions of python_models/clustering/propensity_fit.py on data with a planted signal."""

import numpy as np
import pandas as pd
import propensity_fit as pf
import pytest


def snapshots(n: int, seed: int, signal: bool = True) -> pd.DataFrame:
    """Training + scoring snapshots where past revenue_90d drives the target."""
    rng = np.random.default_rng(seed)
    frames = []
    for name in ("training", "scoring"):
        revenue = rng.lognormal(4, 1, n)
        recency = rng.integers(0, 300, n).astype(float)
        recency[::7] = np.nan
        frame = pd.DataFrame({
            "customer_id": [f"c{i:04d}" for i in range(n)], "snapshot_name": name,
            "snapshot_date": pd.Timestamp("2026-01-01"), "revenue_90d": revenue,
            "days_since_last_order": recency, "noise": rng.normal(size=n),
        })
        if name == "training":
            frame["is_target"] = revenue > np.quantile(revenue, 0.9) if signal else False
            frame["future_revenue"] = revenue
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("kind", ["random_forest", "gradient_boosting"])
def test_classifier_finds_the_planted_signal(kind):
    results = pf.fit_propensity(snapshots(600, 1), kind=kind, n_estimators=50, folds=5, seed=3)
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
    results = pf.fit_propensity(snapshots(50, 4, signal=False), kind="random_forest", n_estimators=10, folds=5, seed=1)
    metrics = results["metric"].set_index("name")["value"]
    assert np.isnan(metrics["cv_roc_auc_mean"])
    assert (results["score"]["value"] == 0).all()


def test_records_are_keyed_by_type():
    records = pf.to_records(pf.fit_propensity(snapshots(100, 5), "random_forest", 10, 3, 1), "random_forest")
    assert set(records["record_type"]) == {"score", "metric", "importance"}


def test_unknown_classifier_is_rejected():
    with pytest.raises(ValueError, match="unknown classifier"):
        pf.make_classifier("svm", 10, 1)


def test_training_is_capped_by_a_seeded_sample_but_everyone_is_scored():
    results = pf.fit_propensity(snapshots(600, 1), kind="random_forest", n_estimators=20, folds=3, seed=3,
                                training_sample_size=200)
    metrics = results["metric"].set_index("name")["value"]
    assert metrics["training_customers"] == 200
    assert metrics["cv_roc_auc_mean"] > 0.85
    assert len(results["score"]) == 600
    training = snapshots(600, 1).query("snapshot_name == 'training'")
    first = pf.sample_training(training, 200, seed=3)
    assert first.equals(pf.sample_training(training, 200, seed=3))
    assert pf.sample_training(training, 1000, seed=3) is training
    assert pf.sample_training(training, None, seed=3) is training


# --- empty and tiny inputs ---------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3])
def test_empty_and_tiny_snapshots_give_typed_records_and_skip_reasons(n):
    frame = snapshots(max(n, 1), 6).groupby("snapshot_name").head(n).reset_index(drop=True)
    results = pf.fit_propensity(frame, kind="random_forest", n_estimators=10, folds=5, seed=1)
    metrics = results["metric"].set_index("name")["value"]
    assert metrics[pf.SKIPPED_CROSS_VALIDATION] == 1.0
    # one row is one class; three rows hold a positive (top 10%) and can be fitted
    assert (pf.SKIPPED_CLASSIFIER in metrics) == (n < 2)
    assert len(results["score"]) == n
    assert results["score"]["value"].notna().all()
    records = pf.to_records(results, "random_forest")
    assert {column: str(dtype) for column, dtype in records.dtypes.items()} == pf.RECORD_DTYPES


def test_records_of_zero_customers_type_customer_id_as_text_in_duckdb():
    duckdb = pytest.importorskip("duckdb")
    frame = snapshots(1, 6).head(0)
    records = pf.to_records(pf.fit_propensity(frame, "random_forest", 10, 5, 1), "random_forest")
    types = dict(zip(records.columns, duckdb.sql("select * from records").types))
    assert str(types["customer_id"]) == "VARCHAR"
    assert str(types["snapshot_date"]).startswith("TIMESTAMP")


def test_a_fitted_model_records_no_skip():
    metrics = pf.fit_propensity(snapshots(300, 1), "random_forest", 10, 3, 1)["metric"]["name"]
    assert pf.SKIPPED_CROSS_VALIDATION not in set(metrics)
    assert pf.SKIPPED_CLASSIFIER not in set(metrics)


def test_training_rows_without_scoring_rows_give_no_scores():
    frame = snapshots(200, 7).query("snapshot_name == 'training'")
    results = pf.fit_propensity(frame, "random_forest", 10, 3, 1)
    assert results["score"].empty
    assert results["metric"].set_index("name")["value"]["cv_roc_auc_mean"] > 0.5


def test_scoring_rows_without_training_rows_score_zero_not_null():
    """Every customer signed up after the training snapshot (a demo of new customers):
    no training rows, so every score is 0 and the classifier fit is recorded as skipped."""
    frame = snapshots(5, 8).query("snapshot_name == 'scoring'")
    results = pf.fit_propensity(frame, "random_forest", 10, 5, 1)
    assert results["score"]["value"].tolist() == [0.0] * len(frame)
    assert results["metric"].set_index("name")["value"][pf.SKIPPED_CLASSIFIER] == 1.0
