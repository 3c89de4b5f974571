"""Predictive segmentation: who will be a top spender over the next horizon?

Trains a classifier on the back-dated training snapshot of
``int_customers__propensity_features`` (features as of as_of - horizon, label = top
share of revenue in the following horizon), reports stratified cross-validated
ROC-AUC, PR-AUC, precision in the top decile, calibration (Brier score, reliability
table by probability decile) and impurity feature importances, then scores every
customer on the scoring snapshot (features as of as_of, same formulas).

Out of time: a second classifier is fitted on the snapshot one horizon earlier
(``out_of_time_training``: features as of as_of - 2 x horizon, labels from the horizon
after it) and scores the training snapshot, whose labels end at as_of: the same
metrics on customers and a period the model never saw. Returns one sparse table keyed
by ``record_type`` (score / metric / importance / calibration) that SQL models publish.

No ``from __future__ import annotations``: dbt-duckdb executes the file outside
``sys.modules``.
"""

import ast

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

ID_COLUMNS = (
    "customer_id", "snapshot_name", "snapshot_date", "future_revenue", "is_target", "training_sample_rank",
)
# Trees need a number where a customer has never bought: a value no real recency takes.
NEVER_BOUGHT = -1.0
# The returned table's columns and pandas types, whatever the data (0 customers, a
# skipped fit): the SQL models that cast its slices always find them.
RECORD_DTYPES = {
    "record_type": "string", "classifier": "string", "customer_id": "string",
    "snapshot_date": "datetime64[us]", "name": "string", "value": "float64",
    "evaluation": "string", "probability_bin": "float64",
}
# Snapshots of int_customers__propensity_features, by role.
TRAINING, SCORING, OUT_OF_TIME_TRAINING = "training", "scoring", "out_of_time_training"
# Precision in the top decile and the reliability table use tenths of customers / of
# the probability range: the decile is the definition, not a tuning knob.
DECILES = 10
# Metric names (value 1) that record why a step was skipped; the names say why.
SKIPPED_CROSS_VALIDATION = "skipped_cross_validation_class_smaller_than_folds"
SKIPPED_CLASSIFIER = "skipped_classifier_fit_single_class_scored_positive_share"
SKIPPED_OUT_OF_TIME = "skipped_out_of_time_check_single_class_or_no_rows"


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


def read_snapshots(relation, sample_size: int) -> pd.DataFrame:
    """The rows the fit uses, chosen before they leave the engine: every scoring row and
    the labelled rows whose ``training_sample_rank`` is within the sample (DuckDB
    ``filter`` with SQL text, Snowpark ``filter`` with columns). At 1M customers that
    reads 0.9M rows instead of 2.5M. Other stand-ins are read whole, then cut."""
    if hasattr(relation, "project"):
        return to_pandas(relation.filter(
            f"snapshot_name = '{SCORING}' or training_sample_rank <= {int(sample_size)}"
        ))
    if hasattr(relation, "select"):
        from snowflake.snowpark.functions import col

        return to_pandas(relation.filter(
            (col("snapshot_name") == SCORING) | (col("training_sample_rank") <= int(sample_size))
        ))
    frame = to_pandas(relation)
    return frame[(frame["snapshot_name"] == SCORING) | (frame["training_sample_rank"] <= sample_size)]


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


def precision_in_top_share(target: np.ndarray, scores: np.ndarray, share: float = 1 / DECILES) -> float:
    """Share of positives among the ceil(share x n) highest scores. Customers tied at
    the cut-off count with their group's positive rate (the expectation over every
    order of the ties), so the answer does not depend on row order. NaN without rows."""
    n = len(scores)
    if n == 0:
        return np.nan
    k = int(np.ceil(share * n))
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_target = scores[order], target[order].astype(float)
    cutoff = sorted_scores[k - 1]
    above = sorted_scores > cutoff
    tied = sorted_scores == cutoff
    return float((sorted_target[above].sum() + (k - above.sum()) * sorted_target[tied].mean()) / k)


def calibration_table(target: np.ndarray, scores: np.ndarray, bins: int = DECILES) -> pd.DataFrame:
    """Reliability table: customers per probability decile ([0, 0.1), ..., [0.9, 1.0],
    numbered 1..bins), their mean score and observed positive rate. Empty bins are
    left out."""
    index = np.minimum((np.asarray(scores, dtype=float) * bins).astype(int), bins - 1) + 1
    frame = pd.DataFrame({"probability_bin": index, "score": scores, "target": np.asarray(target, dtype=float)})
    table = frame.groupby("probability_bin").agg(
        count_customers=("target", "size"), mean_predicted_probability=("score", "mean"),
        observed_positive_rate=("target", "mean"),
    )
    return table.reset_index().astype({"probability_bin": "float64", "count_customers": "float64"})


def expected_calibration_error(table: pd.DataFrame) -> float:
    """Sum over bins of (customers in bin / customers) x |mean score - positive rate|."""
    total = table["count_customers"].sum()
    if total == 0:
        return np.nan
    gaps = (table["mean_predicted_probability"] - table["observed_positive_rate"]).abs()
    return float((table["count_customers"] * gaps).sum() / total)


def classification_metrics(target: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """ROC-AUC, PR-AUC (average precision), precision in the top decile, Brier score
    and expected calibration error of scores against a boolean target. The ranking
    metrics are NaN with a single class, everything NaN without rows."""
    target = np.asarray(target, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    both_classes = len(np.unique(target)) == 2
    return {
        "roc_auc": float(roc_auc_score(target, scores)) if both_classes else np.nan,
        "pr_auc": float(average_precision_score(target, scores)) if both_classes else np.nan,
        "precision_top_decile": precision_in_top_share(target, scores),
        "brier_score": float(brier_score_loss(target, scores)) if len(target) else np.nan,
        "expected_calibration_error": expected_calibration_error(calibration_table(target, scores)),
    }


def cross_validate(
    features: np.ndarray, target: np.ndarray, kind: str, n_estimators: int, folds: int, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Stratified k-fold: the metrics of each fold (one row per fold, the columns of
    classification_metrics) and every row's out-of-fold score. Empty (and NaN scores)
    when a class has fewer members than folds (also with 0 or fewer rows than folds)."""
    out_of_fold = np.full(len(target), np.nan)
    if len(target) == 0 or np.bincount(target.astype(int), minlength=2).min() < folds:
        return pd.DataFrame(columns=list(classification_metrics(np.array([]), np.array([])))), out_of_fold
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold = []
    for train_index, test_index in splitter.split(features, target):
        classifier = make_classifier(kind, n_estimators, seed).fit(features[train_index], target[train_index])
        out_of_fold[test_index] = classifier.predict_proba(features[test_index])[:, 1]
        per_fold.append(classification_metrics(target[test_index], out_of_fold[test_index]))
    return pd.DataFrame(per_fold), out_of_fold


def out_of_time_check(
    frame: pd.DataFrame, columns: list[str], kind: str, n_estimators: int, seed: int,
    training_sample_size: int | None = None,
) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Fit on the out_of_time_training snapshot, score the training snapshot one
    horizon later and measure against its labels; both capped by the seeded sample
    of the main fit (the training snapshot's sample is the one cross-validated).
    Returns oot_* metrics and the reliability table; the metrics say skipped when
    either snapshot is empty or the fit snapshot has one class."""
    fit_rows = sample_training(frame[frame["snapshot_name"] == OUT_OF_TIME_TRAINING], training_sample_size)
    evaluated = sample_training(frame[frame["snapshot_name"] == TRAINING], training_sample_size)
    fit_target = fit_rows["is_target"].astype(bool).to_numpy()
    evaluated_target = evaluated["is_target"].astype(bool).to_numpy()
    metrics = {
        "oot_training_customers": float(len(fit_rows)),
        "oot_positive_share_training": float(fit_target.mean()) if len(fit_target) else np.nan,
        "oot_evaluated_customers": float(len(evaluated)),
        "oot_positive_share_evaluated": float(evaluated_target.mean()) if len(evaluated_target) else np.nan,
    }
    if len(np.unique(fit_target)) < 2 or len(evaluated) == 0:
        return {**metrics, SKIPPED_OUT_OF_TIME: 1.0}, None
    classifier = make_classifier(kind, n_estimators, seed).fit(feature_matrix(fit_rows, columns), fit_target)
    scores = classifier.predict_proba(feature_matrix(evaluated, columns))[:, 1]
    measured = classification_metrics(evaluated_target, scores)
    return (
        {**metrics, **{f"oot_{name}": value for name, value in measured.items()}},
        calibration_table(evaluated_target, scores),
    )


def fit_propensity(
    frame: pd.DataFrame, kind: str, n_estimators: int, folds: int, seed: int,
    training_sample_size: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Train on the training snapshot, score the scoring snapshot, report AUC and importances.

    One native thread: many small fits on a shared machine are faster without pools.
    """
    with threadpool_limits(limits=1):
        return _fit_propensity(frame, kind, n_estimators, folds, seed, training_sample_size)


def sample_training(snapshot: pd.DataFrame, sample_size: int | None) -> pd.DataFrame:
    """The seeded sample of one labelled snapshot, in customer order, so that
    cross-validation and the fit cost a bounded amount at any number of customers
    (scoring still covers everyone). The sample is the rows with
    ``training_sample_rank`` (int_customers__propensity_features: the order of a hash
    of customer id and seed) up to sample_size: it depends neither on the order the
    rows arrive in nor on the engine. None keeps every row."""
    if sample_size is not None:
        snapshot = snapshot[snapshot["training_sample_rank"] <= sample_size]
    return snapshot.sort_values("customer_id", kind="stable").reset_index(drop=True)


def _fit_propensity(
    frame: pd.DataFrame, kind: str, n_estimators: int, folds: int, seed: int,
    training_sample_size: int | None = None,
) -> dict[str, pd.DataFrame]:
    # Only the samples are sorted (sample_training): the scores of the scoring rows do
    # not depend on their order.
    training = sample_training(frame[frame["snapshot_name"] == TRAINING], training_sample_size)
    scoring = frame[frame["snapshot_name"] == SCORING]
    columns = feature_columns(frame)
    features = feature_matrix(training, columns)
    target = training["is_target"].astype(bool).to_numpy()
    per_fold, out_of_fold = cross_validate(features, target, kind, n_estimators, folds, seed)
    fold_aucs = per_fold["roc_auc"].to_numpy(dtype=float)
    cross_validated = len(fold_aucs) > 0
    pooled = classification_metrics(target, out_of_fold) if cross_validated else {}
    metrics = {
        "training_customers": float(len(training)),
        "positive_share": float(target.mean()) if len(target) else np.nan,
        "cv_roc_auc_mean": float(fold_aucs.mean()) if cross_validated else np.nan,
        "cv_roc_auc_std": float(fold_aucs.std()) if cross_validated else np.nan,
        **{f"cv_roc_auc_fold_{i + 1}": float(auc) for i, auc in enumerate(fold_aucs)},
        "cv_pr_auc_mean": float(per_fold["pr_auc"].mean()) if cross_validated else np.nan,
        "cv_pr_auc_std": float(per_fold["pr_auc"].astype(float).std(ddof=0)) if cross_validated else np.nan,
        "cv_precision_top_decile_mean": (
            float(per_fold["precision_top_decile"].mean()) if cross_validated else np.nan
        ),
        "cv_brier_score": pooled.get("brier_score", np.nan),
        "cv_expected_calibration_error": pooled.get("expected_calibration_error", np.nan),
    }
    if not cross_validated:
        metrics[SKIPPED_CROSS_VALIDATION] = 1.0
    out_of_time_metrics, out_of_time_table = out_of_time_check(
        frame, columns, kind, n_estimators, seed, training_sample_size
    )
    metrics.update(out_of_time_metrics)
    calibration = [
        table.assign(evaluation=evaluation)
        for evaluation, table in (
            ("cross_validated", calibration_table(target, out_of_fold) if cross_validated else None),
            ("out_of_time", out_of_time_table),
        )
        if table is not None
    ]
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
        "calibration": calibration_records(calibration),
    }


def calibration_records(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Reliability tables (one per evaluation) as long records: one per evaluation,
    probability bin and measure (name), the measure in value."""
    columns = ["evaluation", "probability_bin", "name", "value"]
    if not tables:
        return pd.DataFrame(columns=columns)
    wide = pd.concat(tables, ignore_index=True)
    return wide.melt(
        id_vars=["evaluation", "probability_bin"],
        value_vars=["count_customers", "mean_predicted_probability", "observed_positive_rate"],
        var_name="name", value_name="value",
    )[columns]


def to_records(results: dict[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    """Stack the result tables into one sparse table keyed by record_type (empty ones
    left out: pandas would otherwise type the columns from them)."""
    records = pd.concat(
        [frame.assign(record_type=name) for name, frame in results.items() if len(frame)], ignore_index=True
    )
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
    kind = str(parse_config_value(dbt.config.meta_get("propensity_classifier")))
    sample_size = int(parse_config_value(dbt.config.meta_get("propensity_training_sample_size")))
    results = fit_propensity(
        read_snapshots(dbt.ref("int_customers__propensity_features"), sample_size),
        kind=kind,
        n_estimators=int(parse_config_value(dbt.config.meta_get("propensity_n_estimators"))),
        folds=int(parse_config_value(dbt.config.meta_get("propensity_cv_folds"))),
        seed=int(parse_config_value(dbt.config.meta_get("cluster_random_seed"))),
        training_sample_size=sample_size,
    )
    return for_warehouse(to_records(results, kind), session)
