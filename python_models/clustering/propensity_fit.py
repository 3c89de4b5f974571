"""Predictive segmentation: who will be a top spender over the next horizon?

Trains a classifier on the back-dated training snapshot of
``int_customers__propensity_features`` (features as of as_of - horizon, label = top
share of revenue in the following horizon), reports stratified cross-validated
ROC-AUC and impurity feature importances, then scores every customer on the scoring
snapshot (features as of as_of, same formulas). Returns one sparse table keyed by
``record_type`` (score / metric / importance) that SQL models publish.

No ``from __future__ import annotations``: dbt-duckdb executes the file outside
``sys.modules``.
"""

import ast

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from threadpoolctl import threadpool_limits

ID_COLUMNS = ("customer_id", "snapshot_name", "snapshot_date", "future_revenue", "is_target")
# Trees need a number where a customer has never bought: a value no real recency takes.
NEVER_BOUGHT = -1.0
# The returned table's columns and pandas types, whatever the data (0 customers, a
# skipped fit): the SQL models that cast its slices always find them.
RECORD_DTYPES = {
    "record_type": "string", "classifier": "string", "customer_id": "string",
    "snapshot_date": "datetime64[us]", "name": "string", "value": "float64",
}
# Metric names (value 1) that record why a step was skipped; the names say why.
SKIPPED_CROSS_VALIDATION = "skipped_cross_validation_class_smaller_than_folds"
SKIPPED_CLASSIFIER = "skipped_classifier_fit_single_class_scored_positive_share"


def to_pandas(relation) -> pd.DataFrame:
    """A dbt relation as pandas with lower-case columns (DuckDB ``.df()``, Snowpark ``.to_pandas()``)."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def for_warehouse(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake resolves unquoted names upper-case: return upper-case columns there.
    Snowpark cannot write pandas' string dtype (pd.NA) nor datetime64 columns: text goes
    back to objects with None, snapshot_date to Python dates (as Snowpark reads a DATE)."""
    if hasattr(session, "create_dataframe"):
        text = frame.select_dtypes(include="string").columns
        objects = frame.astype({column: object for column in text})
        objects[list(text)] = objects[list(text)].where(objects[list(text)].notna(), None)
        dates = pd.to_datetime(objects["snapshot_date"])
        objects["snapshot_date"] = dates.dt.date.astype(object).where(dates.notna(), None)
        return objects.rename(columns=str.upper)
    return frame


def parse_config_value(value):
    """dbt hands YAML config rendered from vars either as Python objects or as their repr."""
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Every column except ids, snapshot and label columns, in a fixed order."""
    return sorted(column for column in frame.columns if column not in ID_COLUMNS)


def feature_matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Numeric features; a missing value (no purchase yet) becomes NEVER_BOUGHT."""
    return frame[columns].astype(float).fillna(NEVER_BOUGHT).to_numpy()


def make_classifier(kind: str, n_estimators: int, seed: int):
    """random_forest (balanced class weights) or gradient_boosting."""
    if kind == "random_forest":
        return RandomForestClassifier(
            n_estimators=n_estimators, min_samples_leaf=5, class_weight="balanced", random_state=seed, n_jobs=1
        )
    if kind == "gradient_boosting":
        return GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
    raise ValueError(f"unknown classifier {kind!r}: use random_forest or gradient_boosting")


def cross_validated_auc(
    features: np.ndarray, target: np.ndarray, kind: str, n_estimators: int, folds: int, seed: int
) -> np.ndarray:
    """ROC-AUC of each stratified fold; empty when a class has fewer members than folds
    (also with 0 or fewer rows than folds)."""
    if len(target) == 0 or np.bincount(target.astype(int), minlength=2).min() < folds:
        return np.array([])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return cross_val_score(make_classifier(kind, n_estimators, seed), features, target, cv=splitter, scoring="roc_auc")


def fit_propensity(
    frame: pd.DataFrame, kind: str, n_estimators: int, folds: int, seed: int,
    training_sample_size: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Train on the training snapshot, score the scoring snapshot, report AUC and importances.

    One native thread: many small fits on a shared machine are faster without pools.
    """
    with threadpool_limits(limits=1):
        return _fit_propensity(frame, kind, n_estimators, folds, seed, training_sample_size)


def sample_training(training: pd.DataFrame, sample_size: int | None, seed: int) -> pd.DataFrame:
    """A seeded random sample of the training snapshot, so that cross-validation and
    the fit cost a bounded amount at any number of customers (scoring still covers
    everyone). None or a size at least the snapshot's keeps every row."""
    if sample_size is None or len(training) <= sample_size:
        return training
    return training.sample(n=sample_size, random_state=seed).sort_index()


def _fit_propensity(
    frame: pd.DataFrame, kind: str, n_estimators: int, folds: int, seed: int,
    training_sample_size: int | None = None,
) -> dict[str, pd.DataFrame]:
    frame = frame.sort_values(["snapshot_name", "customer_id"], kind="stable").reset_index(drop=True)
    training = sample_training(frame[frame["snapshot_name"] == "training"], training_sample_size, seed)
    scoring = frame[frame["snapshot_name"] == "scoring"]
    columns = feature_columns(frame)
    features = feature_matrix(training, columns)
    target = training["is_target"].astype(bool).to_numpy()
    fold_aucs = cross_validated_auc(features, target, kind, n_estimators, folds, seed)
    metrics = {
        "training_customers": float(len(training)),
        "positive_share": float(target.mean()) if len(target) else np.nan,
        "cv_roc_auc_mean": float(fold_aucs.mean()) if len(fold_aucs) else np.nan,
        "cv_roc_auc_std": float(fold_aucs.std()) if len(fold_aucs) else np.nan,
        **{f"cv_roc_auc_fold_{i + 1}": float(auc) for i, auc in enumerate(fold_aucs)},
    }
    if len(fold_aucs) == 0:
        metrics[SKIPPED_CROSS_VALIDATION] = 1.0
    if len(np.unique(target)) < 2:
        # One class (or no training rows): nothing to learn; every customer gets the
        # positive share of the training snapshot, 0 without training rows (nobody was
        # a customer as of the training snapshot: no evidence for anyone, and the
        # published score is never null, e.g. a demo of customers all newer than
        # the horizon).
        metrics[SKIPPED_CLASSIFIER] = 1.0
        scores = np.full(len(scoring), float(target.mean()) if len(target) else 0.0)
        importances = np.full(len(columns), np.nan)
    else:
        classifier = make_classifier(kind, n_estimators, seed).fit(features, target)
        scoring_matrix = feature_matrix(scoring, columns)
        scores = classifier.predict_proba(scoring_matrix)[:, 1] if len(scoring_matrix) else np.zeros(0)
        importances = classifier.feature_importances_
    return {
        "score": pd.DataFrame(
            {"customer_id": scoring["customer_id"].to_numpy(), "snapshot_date": scoring["snapshot_date"].to_numpy(),
             "value": scores}
        ),
        "metric": pd.DataFrame({"name": list(metrics), "value": list(metrics.values())}),
        "importance": pd.DataFrame({"name": columns, "value": importances}),
    }


def to_records(results: dict[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    """Stack the result tables into one sparse table keyed by record_type."""
    records = pd.concat([frame.assign(record_type=name) for name, frame in results.items()], ignore_index=True)
    records["classifier"] = kind
    typed = {}
    for column, dtype in RECORD_DTYPES.items():
        values = records[column] if column in records else pd.Series(None, index=records.index, dtype=object)
        if dtype == "string":
            typed[column] = values.astype(object).where(values.notna(), None).astype("string")
        elif dtype.startswith("datetime64"):
            typed[column] = pd.to_datetime(values).astype(dtype)
        else:
            typed[column] = pd.to_numeric(values).astype(dtype)
    return pd.DataFrame(typed, index=records.index)


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["numpy==2.4.6", "pandas==2.3.3", "scikit-learn==1.9.1", "threadpoolctl==3.8.0"],
    )
    frame = to_pandas(dbt.ref("int_customers__propensity_features"))
    kind = str(parse_config_value(dbt.config.get("propensity_classifier")))
    results = fit_propensity(
        frame,
        kind=kind,
        n_estimators=int(parse_config_value(dbt.config.get("propensity_n_estimators"))),
        folds=int(parse_config_value(dbt.config.get("propensity_cv_folds"))),
        seed=int(parse_config_value(dbt.config.get("cluster_random_seed"))),
        training_sample_size=int(parse_config_value(dbt.config.get("propensity_training_sample_size"))),
    )
    return for_warehouse(to_records(results, kind), session)
