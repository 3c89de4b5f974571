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
by ``record_type`` (score / metric / importance / calibration / model / tree_node) that
SQL models publish.

Model life cycle (var ``propensity_refit``, ``run_life_cycle``): the fitted trees are
stored as rows (``tree_node``: children, split feature and threshold, the value of each
node), with one ``model`` row per fitted version. A build reads its own previous output
(``dbt.this``) and either scores with the stored trees, re-emitting the stored model and
its diagnostics unchanged, or fits a new version (``decide_refit``). Every build scores
through the stored form (``Scorer``), the night of a fit too, so a reuse scores exactly
as the fit did.

No ``from __future__ import annotations``: dbt-duckdb executes the file outside
``sys.modules``.
"""

import ast
from typing import Iterable, Iterator, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sklearn
from scipy.special import expit, logit
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.tree._tree import Tree
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
    ("evaluation", pa.string()), ("probability_bin", pa.float64()), ("model_version", pa.int64()),
    ("fit_reason", pa.string()), ("settings", pa.string()), ("tree_index", pa.int64()),
    ("node_index", pa.int64()), ("left_child", pa.int64()), ("right_child", pa.int64()),
    ("threshold", pa.float64()),
])
# var propensity_refit: when a new model version is fitted (decide_refit).
REFIT_MODES = ("when_stale", "always", "never")
# The record types of the stored model: every version's model row, the current
# version's trees and diagnostics. A reuse re-emits them unchanged; only the scores
# are new.
MODEL_RECORD_TYPES = ("model", "tree_node", "metric", "importance", "calibration")
# scikit-learn's markers in a tree: no child (a leaf), no split feature or threshold.
TREE_LEAF, TREE_UNDEFINED = -1, -2
# The record dtype of a scikit-learn tree's nodes (children, feature, threshold, ...),
# read once from an empty tree.
TREE_NODE_DTYPE = Tree(1, np.array([1], dtype=np.intp), 1).__getstate__()["nodes"].dtype
# The record columns a Scorer is built from (scorer_from_records).
SCORER_COLUMNS = ("record_type", "model_version", "classifier", "settings", "value",
                  "tree_index", "node_index", "left_child", "right_child", "name", "threshold")
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
    become pandas with None for a missing text or integer, snapshot_date as Python dates (as
    Snowpark reads a DATE) and upper-case columns."""
    if not hasattr(session, "create_dataframe"):
        return records
    frame = records.to_pandas()
    nullable = [field.name for field in RECORD_SCHEMA if pa.types.is_string(field.type) or pa.types.is_integer(field.type)]
    integers = {field.name: "Int64" for field in RECORD_SCHEMA if pa.types.is_integer(field.type)}
    objects = frame.astype(integers).astype({column: object for column in nullable})
    objects[nullable] = objects[nullable].where(objects[nullable].notna(), None)
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
    return feature_names(frame.columns)


def feature_names(columns: Iterable[str]) -> list[str]:
    """The feature columns among these column names (lower case), sorted by name."""
    return sorted(str(column).lower() for column in columns if str(column).lower() not in ID_COLUMNS)


def relation_columns(relation) -> list[str]:
    """A relation's column names without reading its rows (DuckDB and Snowpark
    ``columns``; Snowflake's may be quoted); other stand-ins are read."""
    if hasattr(relation, "project") or hasattr(relation, "select"):
        return [str(column).strip('"').lower() for column in relation.columns]
    return list(to_pandas(relation).columns)


def scoring_as_of(relation):
    """The scoring snapshot's date (as_of), computed in the engine; None without scoring rows."""
    if hasattr(relation, "project"):
        value = to_pandas(relation.filter(f"snapshot_name = '{SCORING}'").aggregate("max(snapshot_date) as as_of"))["as_of"]
    elif hasattr(relation, "select"):
        from snowflake.snowpark.functions import col, max as max_

        value = to_pandas(relation.filter(col("snapshot_name") == SCORING).agg(max_(col("snapshot_date")).alias("as_of")))["as_of"]
    else:
        frame = to_pandas(relation)
        value = frame.loc[frame["snapshot_name"] == SCORING, "snapshot_date"]
    value = pd.to_datetime(value).max() if len(value) else pd.NaT
    return None if pd.isna(value) else value.date()


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


def score_batches(scorer: "Scorer", batches: Iterable[pd.DataFrame]) -> pa.Table:
    """Score every row of every batch: customer_id, snapshot_date and value as Arrow
    columns (compact text, no Python object per customer), in the batches' order."""
    ids, dates, values = [], [], []
    for frame in batches:
        ids.append(pa.array(frame["customer_id"], type=pa.string()))
        dates.append(pa.array(pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]"),
                              type=pa.timestamp("us")))
        values.append(pa.array(scorer.predict(frame), type=pa.float64()))
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


# --- records ------------------------------------------------------------------


def typed_records(record_type: str, part: pa.Table | pd.DataFrame, **constants) -> pa.Table:
    """One record type as a table of RECORD_SCHEMA: the part's columns of that name
    cast to the schema's types, constants repeated, every other column null."""
    if isinstance(part, pd.DataFrame):
        part = pa.Table.from_pandas(part, preserve_index=False)
    n = part.num_rows
    constants = {"record_type": record_type, **constants}
    # The columns a record type lacks share one zeroed buffer (every bit of validity 0,
    # every offset 0): the score records lack half the columns at one row per customer.
    zeros = pa.py_buffer(np.zeros(8 * (n + 1), dtype=np.uint8))
    return pa.table(
        [
            pa.repeat(pa.scalar(constants[field.name], type=field.type), n) if field.name in constants
            else part[field.name].cast(field.type) if field.name in part.column_names
            else pa.Array.from_buffers(field.type, n, [zeros, zeros, zeros] if pa.types.is_string(field.type)
                                       else [zeros, zeros], null_count=n)
            for field in RECORD_SCHEMA
        ],
        schema=RECORD_SCHEMA,
    )


def records_from_frame(frame: pd.DataFrame) -> pa.Table:
    """Stored records read back from the warehouse (pandas, lower-case columns, the
    engine's types: integers may come back as floats or decimals, dates as dates) as
    a table of RECORD_SCHEMA."""
    columns = []
    for field in RECORD_SCHEMA:
        values = frame[field.name] if field.name in frame.columns else pd.Series([None] * len(frame), dtype=object)
        if pa.types.is_timestamp(field.type):
            values = pd.to_datetime(values).astype("datetime64[us]")
        elif pa.types.is_integer(field.type):
            values = pd.to_numeric(values).astype("Int64")
        elif pa.types.is_floating(field.type):
            values = pd.to_numeric(values).astype(float)
        else:
            values = values.astype(object).where(values.notna(), None)
        columns.append(pa.array(values, type=field.type, from_pandas=True))
    return pa.table(columns, schema=RECORD_SCHEMA)


def score_records(scores: pa.Table, kind: str, version: int) -> pa.Table:
    """The score records (score_batches) of the model version that scored them."""
    return typed_records("score", scores, classifier=kind, model_version=version)


# --- the stored model and the model life cycle -------------------------------


class Settings(NamedTuple):
    """Every var that shapes the model or its life cycle (the model's YAML config)."""

    classifier: str
    n_estimators: int
    folds: int
    sample_size: int
    seed: int
    horizon_days: int
    top_share: float
    refit: str = "when_stale"
    refit_after_days: int = 30

    def describe(self, columns: list[str]) -> str:
        """What a model version was fitted with, stored on its model row: a stored model
        whose description differs from today's is refitted (settings_changed). The
        scikit-learn version is part of it: the stored trees are read back into its
        tree structure."""
        return ";".join([
            f"classifier={self.classifier}", f"n_estimators={self.n_estimators}", f"cv_folds={self.folds}",
            f"training_sample_size={self.sample_size}", f"seed={self.seed}",
            f"horizon_days={self.horizon_days}", f"top_share={self.top_share}",
            f"scikit_learn={sklearn.__version__}", f"features={','.join(columns)}",
        ])


def settings_features(described: str) -> list[str]:
    """The feature columns named in a Settings.describe() text, in order."""
    parts = dict(part.split("=", 1) for part in described.split(";") if "=" in part)
    return [name for name in parts.get("features", "").split(",") if name]


def fitted_trees(propensity: Propensity, kind: str) -> tuple[list, float]:
    """The classifier's trees and the base score: (tree, value of each node) per tree,
    where a random forest's value is the tree's probability of the target (its leaf's
    weighted class share, as predict_proba computes it) and gradient boosting's the
    learning rate times the leaf's log-odds step; the base is the initial log-odds of
    gradient boosting, NaN for a forest, the constant score without a classifier."""
    classifier = propensity.classifier
    if classifier is None:
        return [], propensity.constant_score
    if kind == "random_forest":
        trees = []
        for estimator in classifier.estimators_:
            counts = estimator.tree_.value[:, 0, :]
            totals = counts.sum(axis=1)
            trees.append((estimator.tree_, counts[:, 1] / np.where(totals == 0.0, 1.0, totals)))
        return trees, np.nan
    # As scikit-learn starts boosting: the prior's log-odds, the prior clipped to float32 eps.
    eps = np.finfo(np.float32).eps
    prior = classifier.init_.predict_proba(np.zeros((1, len(propensity.columns))))[0, 1]
    base = float(logit(np.clip(prior, eps, 1 - eps)))
    trees = [(stage.tree_, classifier.learning_rate * stage.tree_.value[:, 0, 0]) for stage in classifier.estimators_[:, 0]]
    return trees, base


def model_records(
    propensity: Propensity, kind: str, version: int, as_of, reason: str, described: str
) -> pa.Table:
    """A fitted version as records: its model row (fitted as_of in snapshot_date, the
    reason and settings, the base score in value), one tree_node row per node of every
    tree (feature name in name, threshold and node value; children -1 at a leaf) and
    the diagnostics."""
    trees, base = fitted_trees(propensity, kind)
    names = np.array(propensity.columns + [None], dtype=object)
    nodes = [
        pd.DataFrame({
            "tree_index": index, "node_index": np.arange(tree.node_count),
            "left_child": tree.children_left, "right_child": tree.children_right,
            "name": names[np.where(tree.feature >= 0, tree.feature, len(propensity.columns))],
            "threshold": np.where(tree.feature >= 0, tree.threshold, np.nan), "value": values,
        })
        for index, (tree, values) in enumerate(trees)
    ]
    fitted_on = None if as_of is None else pd.Timestamp(as_of)
    model = pd.DataFrame({"snapshot_date": pd.Series([fitted_on], dtype="datetime64[us]"),
                          "value": [None if np.isnan(base) else base]}).astype({"value": float})
    version_of = {"classifier": kind, "model_version": version}
    parts = [
        typed_records("model", model, fit_reason=reason, settings=described, **version_of),
        typed_records("tree_node", pd.concat(nodes, ignore_index=True) if nodes else pd.DataFrame(), **version_of),
        *(typed_records(name, frame, **version_of) for name, frame in propensity.diagnostics.items()),
    ]
    return pa.concat_tables(parts)


def tree_from_nodes(nodes: pd.DataFrame, columns: list[str]) -> Tree:
    """A scikit-learn tree structure from stored node rows, for its ``apply`` (the leaf
    each row reaches: x <= threshold goes left, on float32 features as scikit-learn
    compares them). Only children, feature and threshold matter to apply. The rows
    come in node_index order (scorer_from_records sorts them)."""
    count = len(nodes)
    structure = np.zeros(count, dtype=TREE_NODE_DTYPE)
    structure["left_child"] = nodes["left_child"].to_numpy(dtype="int64")
    structure["right_child"] = nodes["right_child"].to_numpy(dtype="int64")
    index = {name: position for position, name in enumerate(columns)}
    structure["feature"] = [index[name] if isinstance(name, str) else TREE_UNDEFINED for name in nodes["name"]]
    structure["threshold"] = nodes["threshold"].astype(float).fillna(TREE_UNDEFINED).to_numpy()
    depth = np.zeros(count, dtype="int64")
    for node in range(count):  # a child always comes after its parent
        for child in (structure["left_child"][node], structure["right_child"][node]):
            if child != TREE_LEAF:
                depth[child] = depth[node] + 1
    tree = Tree(max(len(columns), 1), np.array([1], dtype=np.intp), 1)
    tree.__setstate__({"max_depth": int(depth.max(initial=0)), "node_count": count, "nodes": structure,
                       "values": np.zeros((count, 1, 1))})
    return tree


class Scorer(NamedTuple):
    """A model version in the form it is stored in: the kind, the feature columns in
    order, (tree, value of each node) per tree and the base score (fitted_trees)."""

    kind: str
    columns: list
    trees: list
    base: float

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The probability of the target for each row of frame (features by name): the
        mean of the trees' probabilities (random forest), the logistic of the base plus
        the trees' steps (gradient boosting), the base without trees. Equal to the
        fitted classifier's predict_proba (python_models/tests)."""
        if not self.trees or not len(frame):
            return np.full(len(frame), self.base)
        features = feature_matrix(frame, self.columns).astype(np.float32)
        forest = self.kind == "random_forest"
        total = np.zeros(len(frame)) if forest else np.full(len(frame), self.base)
        for tree, values in self.trees:
            total += values[tree.apply(features)]
        return total / len(self.trees) if forest else expit(total)


def scorer_from_records(records: pa.Table, version: int) -> Scorer:
    """The Scorer of one stored version: its model row and tree_node rows (RECORD_SCHEMA;
    only those rows and the columns a Scorer needs leave Arrow, the nodes sorted once
    by tree and node)."""
    mine = records.filter(pc.equal(records["model_version"], version)).select(list(SCORER_COLUMNS))
    model = mine.filter(pc.equal(mine["record_type"], "model")).slice(0, 1).to_pylist()[0]
    columns = settings_features(model["settings"])
    nodes = (
        mine.filter(pc.equal(mine["record_type"], "tree_node"))
        .sort_by([("tree_index", "ascending"), ("node_index", "ascending")])
        .to_pandas()
    )
    trees = [
        (tree_from_nodes(tree_nodes, columns), tree_nodes["value"].to_numpy(dtype=float))
        for _, tree_nodes in nodes.groupby("tree_index", sort=True)
    ]
    base = np.nan if model["value"] is None else float(model["value"])
    return Scorer(kind=str(model["classifier"]), columns=columns, trees=trees, base=base)


class StoredModel(NamedTuple):
    """The current model version read back from this model's previous output."""

    version: int
    as_of: object
    settings: str
    records: pa.Table


def stored_model(previous: pd.DataFrame | None) -> StoredModel | None:
    """The latest model version in the previous output and the records to keep with it
    (every version's model row; the latest version's trees and diagnostics), or None:
    no previous table, one written before model versions existed, or no model row."""
    if previous is None or "model_version" not in previous.columns:
        return None
    models = previous[previous["record_type"] == "model"]
    if models.empty:
        return None
    latest = models.sort_values("model_version").iloc[-1]
    version = int(latest["model_version"])
    kept = previous[previous["record_type"].isin(MODEL_RECORD_TYPES)]
    kept = kept[(kept["record_type"] == "model") | (pd.to_numeric(kept["model_version"]) == version)]
    as_of = pd.to_datetime(latest["snapshot_date"]).date() if pd.notna(latest["snapshot_date"]) else None
    return StoredModel(version=version, as_of=as_of, settings=str(latest["settings"]),
                       records=records_from_frame(kept.reset_index(drop=True)))


def decide_refit(mode: str, stored: bool, model_as_of, as_of, after_days: int, settings_match: bool) -> str | None:
    """Why a new model version is fitted, or None to score with the stored one.

    no_model: none stored (first build, new database, --full-refresh, a table from
    before model versions), or the stored one was fitted with no customer to score
    while there are some now; settings_changed: the stored model was fitted with other
    settings, features or scikit-learn (whatever the mode); always; as_of_before_model
    (in every mode): as_of is earlier than the stored fit, whose labels end after it,
    so scoring that as_of with it would use the future; for when_stale only, stale:
    fitted more than after_days before as_of. Without customers to score (as_of
    None) the stored model is kept."""
    if mode not in REFIT_MODES:
        raise ValueError(f"propensity_refit must be one of {REFIT_MODES}, got {mode!r}")
    if not stored:
        return "no_model"
    if not settings_match:
        return "settings_changed"
    if mode == "always":
        return "always"
    if as_of is None:
        return None
    if model_as_of is None:
        return "no_model"
    if as_of < model_as_of:
        return "as_of_before_model"
    if mode == "when_stale" and (as_of - model_as_of).days > after_days:
        return "stale"
    return None


def run_life_cycle(features, settings: Settings, previous: pd.DataFrame | None) -> pa.Table:
    """Fit a new model version or score with the stored one (decide_refit), and return
    the records: the model (every version's model row, the current version's trees and
    diagnostics) and every scoring customer's score by the current version, scored
    through its stored form."""
    columns = feature_names(relation_columns(features))
    as_of = scoring_as_of(features)
    described = settings.describe(columns)
    stored = stored_model(previous)
    reason = decide_refit(
        settings.refit, stored is not None, stored.as_of if stored else None, as_of,
        settings.refit_after_days, stored is None or stored.settings == described,
    )
    if reason is None:
        version, kept = stored.version, stored.records
    else:
        propensity = fit_propensity(
            read_labelled(features, settings.sample_size), kind=settings.classifier,
            n_estimators=settings.n_estimators, folds=settings.folds, seed=settings.seed,
            training_sample_size=settings.sample_size,
        )
        version = 1 if stored is None else stored.version + 1
        fitted = model_records(propensity, settings.classifier, version, as_of, reason, described)
        history = [] if stored is None else [stored.records.filter(pc.equal(stored.records["record_type"], "model"))]
        kept = pa.concat_tables([*history, fitted])
    scorer = scorer_from_records(kept, version)
    scores = score_batches(scorer, scoring_batches(features))
    return pa.concat_tables([kept, score_records(scores, scorer.kind, version)])


def previous_output_sql(this) -> str:
    """The query of this model's previous output without its score rows (one per
    customer), which nothing reads back."""
    return f"select * from {this} where record_type <> 'score'"


def read_previous_output(session, this, full_refresh: bool) -> pd.DataFrame | None:
    """This model's previous output (the stored model and its history), or None on the
    first build and with --full-refresh."""
    if full_refresh:
        return None
    try:
        return to_pandas(session.sql(previous_output_sql(this)))
    except Exception:  # noqa: BLE001 - the table does not exist yet (first build, new schema)
        return None


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=[
            "numpy==2.4.6", "pandas==2.3.3", "pyarrow==26.0.1", "scikit-learn==1.9.1", "scipy==1.17.1",
            "threadpoolctl==3.8.0",
        ],
    )
    settings = Settings(
        classifier=str(parse_config_value(dbt.config.meta_get("propensity_classifier"))),
        n_estimators=int(parse_config_value(dbt.config.meta_get("propensity_n_estimators"))),
        folds=int(parse_config_value(dbt.config.meta_get("propensity_cv_folds"))),
        sample_size=int(parse_config_value(dbt.config.meta_get("propensity_training_sample_size"))),
        seed=int(parse_config_value(dbt.config.meta_get("cluster_random_seed"))),
        horizon_days=int(parse_config_value(dbt.config.meta_get("propensity_horizon_days"))),
        top_share=float(parse_config_value(dbt.config.meta_get("propensity_top_share"))),
        refit=str(parse_config_value(dbt.config.meta_get("propensity_refit"))),
        refit_after_days=int(parse_config_value(dbt.config.meta_get("propensity_refit_after_days"))),
    )
    full_refresh = str(dbt.config.meta_get("propensity_full_refresh")).lower() == "true"
    previous = read_previous_output(session, dbt.this, full_refresh)
    records = run_life_cycle(dbt.ref("int_customers__propensity_features"), settings, previous)
    return for_warehouse(records, session)
