"""Predictive segmentation: who will be a top spender over the next horizon?

Trains a classifier on the back-dated training snapshot of
``int_customers__propensity_features`` (features as of as_of - horizon, label = top
share of revenue in the following horizon), reports stratified cross-validated
ROC-AUC, PR-AUC, precision in the top decile, calibration (Brier score, reliability
table by probability decile) and impurity feature importances, then scores every
customer on the scoring snapshot (features as of as_of, same formulas).

Only the labelled sample leaves the engine whole; the scoring snapshot (one row per
customer) is read and scored in batches of ``SCORING_BATCH_ROWS`` and its scores kept as
Arrow columns, so the model holds one batch of features at a time, not every customer's
(at 1M customers: 1,007 MiB scoring everyone at once, the fit alone 356 MiB).

Out of time: a second classifier is fitted on the snapshot one horizon earlier
(``out_of_time_training``: features as of as_of - 2 x horizon, labels from the horizon
after it) and scores the training snapshot, whose labels end at as_of: the same
metrics on customers and a period the model never saw. Returns one sparse table keyed
by ``record_type`` (score / metric / importance / calibration) that SQL models publish.

No ``from __future__ import annotations``: dbt-duckdb executes the file outside
``sys.modules``.
"""

import ast
from typing import Iterable, Iterator, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

ID_COLUMNS = (
    "customer_id", "snapshot_name", "snapshot_date", "future_revenue", "is_target", "training_sample_rank",
)
# Trees need a number where a customer has never bought: a value no real recency takes.
NEVER_BOUGHT = -1.0
# The returned table's columns and types, whatever the data (0 customers, a skipped
# fit): the SQL models that cast its slices always find them.
RECORD_SCHEMA = pa.schema([
    ("record_type", pa.string()), ("classifier", pa.string()), ("customer_id", pa.string()),
    ("snapshot_date", pa.timestamp("us")), ("name", pa.string()), ("value", pa.float64()),
    ("evaluation", pa.string()), ("probability_bin", pa.float64()),
])
# Scoring rows per batch: about 12 MB of float features at 15 columns, and few enough
# batches at 1M customers (10) that the per-batch cost does not show.
SCORING_BATCH_ROWS = 100_000
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
    return lower_case_columns(relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df())


def lower_case_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Snowflake returns unquoted names upper-case; the model works in lower case."""
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def for_warehouse(records: pa.Table, session):
    """DuckDB takes the Arrow table as it is. Snowpark writes pandas, but neither pandas'
    NA nor datetime64 columns, and resolves unquoted names upper-case: there the records
    become pandas with None for a missing text, snapshot_date as Python dates (as
    Snowpark reads a DATE) and upper-case columns."""
    if not hasattr(session, "create_dataframe"):
        return records
    frame = records.to_pandas()
    text = [field.name for field in RECORD_SCHEMA if pa.types.is_string(field.type)]
    objects = frame.astype({column: object for column in text})
    objects[text] = objects[text].where(objects[text].notna(), None)
    dates = pd.to_datetime(objects["snapshot_date"])
    objects["snapshot_date"] = dates.dt.date.astype(object).where(dates.notna(), None)
    return objects.rename(columns=str.upper)


def read_labelled(relation, sample_size: int) -> pd.DataFrame:
    """The labelled rows the fit uses, chosen before they leave the engine: those whose
    ``training_sample_rank`` is within the sample (DuckDB ``filter`` with SQL text,
    Snowpark ``filter`` with columns; the scoring rows carry no rank). At 1M customers
    that reads 2 x the sample instead of 1.5M rows. Other stand-ins are read whole,
    then cut."""
    if hasattr(relation, "project"):
        return to_pandas(relation.filter(
            f"snapshot_name <> '{SCORING}' and training_sample_rank <= {int(sample_size)}"
        ))
    if hasattr(relation, "select"):
        from snowflake.snowpark.functions import col

        return to_pandas(relation.filter(
            (col("snapshot_name") != SCORING) & (col("training_sample_rank") <= int(sample_size))
        ))
    frame = to_pandas(relation)
    return frame[(frame["snapshot_name"] != SCORING) & (frame["training_sample_rank"] <= sample_size)]


def scoring_batches(relation, batch_rows: int = SCORING_BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The scoring snapshot as pandas frames of at most batch_rows rows (lower-case
    columns): a DuckDB Arrow reader over the filtered relation, Snowpark's
    ``to_pandas_batches`` (its batch size is Snowflake's), other stand-ins read whole
    and sliced."""
    if hasattr(relation, "project"):
        for batch in relation.filter(f"snapshot_name = '{SCORING}'").to_arrow_reader(batch_rows):
            yield lower_case_columns(batch.to_pandas())
        return
    if hasattr(relation, "select"):
        from snowflake.snowpark.functions import col

        for frame in relation.filter(col("snapshot_name") == SCORING).to_pandas_batches():
            yield lower_case_columns(frame)
        return
    frame = to_pandas(relation)
    scoring = frame[frame["snapshot_name"] == SCORING]
    for start in range(0, len(scoring), batch_rows):
        yield scoring.iloc[start:start + batch_rows]


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


class Propensity(NamedTuple):
    """A fitted propensity model: the classifier (None when the training snapshot has
    one class or no rows: every customer then scores constant_score), its feature
    columns in order, and the diagnostics tables (metric, importance, calibration)."""

    classifier: object
    columns: list
    constant_score: float
    diagnostics: dict

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The probability of the target for each row of frame (features by name)."""
        if self.classifier is None or not len(frame):
            return np.full(len(frame), self.constant_score)
        with threadpool_limits(limits=1):
            return self.classifier.predict_proba(feature_matrix(frame, self.columns))[:, 1]


def fit_propensity(
    frame: pd.DataFrame, kind: str, n_estimators: int, folds: int, seed: int,
    training_sample_size: int | None = None,
) -> Propensity:
    """Train on the training snapshot of frame (its other labelled snapshot feeds the
    out-of-time check; scoring rows, if any, are ignored), report cross-validated and
    out-of-time metrics, calibration and importances.

    One native thread: many small fits on a shared machine are faster without pools.
    """
    with threadpool_limits(limits=1):
        return _fit_propensity(frame, kind, n_estimators, folds, seed, training_sample_size)


def score_batches(propensity: Propensity, batches: Iterable[pd.DataFrame]) -> pa.Table:
    """Score every row of every batch: customer_id, snapshot_date and value as Arrow
    columns (compact text, no Python object per customer), in the batches' order."""
    ids, dates, values = [], [], []
    for frame in batches:
        ids.append(pa.array(frame["customer_id"], type=pa.string()))
        dates.append(pa.array(pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]"),
                              type=pa.timestamp("us")))
        values.append(pa.array(propensity.predict(frame), type=pa.float64()))
    return pa.table({
        "customer_id": pa.chunked_array(ids, type=pa.string()),
        "snapshot_date": pa.chunked_array(dates, type=pa.timestamp("us")),
        "value": pa.chunked_array(values, type=pa.float64()),
    })


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
) -> Propensity:
    training = sample_training(frame[frame["snapshot_name"] == TRAINING], training_sample_size)
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
    diagnostics = {"calibration": calibration_records(calibration)}
    if len(np.unique(target)) < 2:
        # One class (or no training rows): nothing to learn; every customer gets the
        # positive share of the training snapshot, 0 without training rows (nobody was
        # a customer as of the training snapshot: no evidence for anyone, and the
        # published score is never null, e.g. a demo of customers all newer than
        # the horizon).
        metrics[SKIPPED_CLASSIFIER] = 1.0
        classifier, importances = None, np.full(len(columns), np.nan)
    else:
        classifier = make_classifier(kind, n_estimators, seed).fit(features, target)
        importances = classifier.feature_importances_
    diagnostics["metric"] = pd.DataFrame({"name": list(metrics), "value": list(metrics.values())})
    diagnostics["importance"] = pd.DataFrame({"name": columns, "value": importances})
    return Propensity(
        classifier=classifier, columns=columns,
        constant_score=float(target.mean()) if len(target) else 0.0, diagnostics=diagnostics,
    )


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


def to_records(diagnostics: dict[str, pd.DataFrame], scores: pa.Table, kind: str) -> pa.Table:
    """One sparse Arrow table of RECORD_SCHEMA keyed by record_type: the scores
    (score_batches) and each diagnostics table; a column a record type lacks is null."""
    parts = [("score", scores)] + [
        (name, pa.Table.from_pandas(frame, preserve_index=False)) for name, frame in diagnostics.items()
    ]
    tables = []
    for record_type, part in parts:
        n = part.num_rows
        constants = {"record_type": record_type, "classifier": kind}
        tables.append(pa.table(
            [
                pa.repeat(pa.scalar(constants[field.name], type=field.type), n) if field.name in constants
                else part[field.name].cast(field.type) if field.name in part.column_names
                else pa.nulls(n, type=field.type)
                for field in RECORD_SCHEMA
            ],
            schema=RECORD_SCHEMA,
        ))
    return pa.concat_tables(tables)


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=[
            "numpy==2.4.6", "pandas==2.3.3", "pyarrow==26.0.1", "scikit-learn==1.9.1", "threadpoolctl==3.8.0",
        ],
    )
    kind = str(parse_config_value(dbt.config.meta_get("propensity_classifier")))
    sample_size = int(parse_config_value(dbt.config.meta_get("propensity_training_sample_size")))
    features = dbt.ref("int_customers__propensity_features")
    propensity = fit_propensity(
        read_labelled(features, sample_size),
        kind=kind,
        n_estimators=int(parse_config_value(dbt.config.meta_get("propensity_n_estimators"))),
        folds=int(parse_config_value(dbt.config.meta_get("propensity_cv_folds"))),
        seed=int(parse_config_value(dbt.config.meta_get("cluster_random_seed"))),
        training_sample_size=sample_size,
    )
    scores = score_batches(propensity, scoring_batches(features))
    return for_warehouse(to_records(propensity.diagnostics, scores, kind), session)
