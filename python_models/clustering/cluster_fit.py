"""Fit the customer clustering once, on a sample, and persist everything SQL needs.

The input is the clustering population (int_customers__cluster_population: customers
with at least one purchase as of as_of); everyone else gets no cluster in
customer_clusters. Imputation, scaling and model selection see only that population.

dbt Python models return one table, so this model returns one *sparse* table with a
``record_type`` column; the SQL models in ``models/marts/clustering`` publish typed,
contract-enforced slices of it:

- ``selection``: one row per algorithm x k in [k_min, k_max] (and one DBSCAN row), with
  every diagnostic, the smallest cluster's share, ``skip_reason`` when the candidate
  could not be fitted or was set aside, ``is_chosen`` and the reason
  (-> ``cluster_model_selection``);
- ``scaler``: one row per encoded feature: imputation, log1p flag, center, scale, and
  how concentrated the feature is (imputed share, share of its most common value)
  (-> ``cluster_scaler_params``);
- ``projection``: loadings from scaled features to the clustering space (identity
  when PCA is off) and to the 2-D plotting plane (-> ``cluster_projection_params``);
- ``centroid``: the production model's centroids in the clustering space, with
  cluster ids matched to the previous model version (-> ``cluster_centroids``);
- ``assignment``: the Python-side nearest-centroid cluster of every customer when a
  version is fitted, of a seeded sample of ``cluster_sample_size`` customers when the
  stored model is reused (``assignment_check_sample``); a data test compares it with
  the SQL assignment in ``customer_clusters``, which is the one published.
- ``model``: one row per fitted model version (-> ``cluster_models``) and ``lineage``:
  old cluster id -> new id at each refit (-> ``cluster_lineage``).

Model life cycle (var ``cluster_refit``, ``run_life_cycle``): the model reads its own
previous output (``dbt.this``) and either re-emits the stored model and its history
unchanged, assigning today's population with it, or fits a new model version
(``decide_refit``). Only the assignment rows change between fits.

The pure functions below are what pytest exercises (python_models/tests); ``model``
only moves data in and out, so it runs on dbt-duckdb and on Snowpark alike. No
``from __future__ import annotations``: dbt-duckdb executes the file outside
``sys.modules``, where dataclasses cannot resolve string annotations.
"""

import ast
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

# scikit-learn and scipy are imported inside the functions that fit: an assignment
# with the stored model (`cluster_refit: never`, or a model that is not stale) needs
# only numpy and pandas. Importing scikit-learn and scipy.optimize cost about 0.5
# CPU-seconds in every such run, scipy.spatial 0.27 s more (README, "Against the
# targets": assignment only).

CENTROID_ALGORITHMS = ("kmeans", "minibatch_kmeans", "gmm")
MISSING_CATEGORY = "__missing__"
# Lower is better for these criteria; higher is better for the others.
MINIMISED_CRITERIA = ("bic", "aic")
# What replaces a criterion whose best k is the largest k allowed (it "ran to k_max").
SELECTION_FALLBACKS = ("elbow", "silhouette", "none")
# PCA needs two distinct rows to have a variance; with fewer the scaled features stand in.
MIN_ROWS_FOR_PCA = 2
# Every column of the returned table and its kind, in order: the table keeps these
# names and types whatever the data (0 rows, a skipped fit), so the SQL models that
# cast its slices always find them ("text" -> pandas string, "number" -> float64).
RECORD_COLUMNS = {
    "record_type": "text", "algorithm": "text", "k": "number", "n_fitted": "number",
    "inertia": "number", "silhouette": "number", "davies_bouldin": "number",
    "calinski_harabasz": "number", "dunn_index": "number", "bic": "number", "aic": "number",
    "gap": "number", "gap_sd": "number", "eps": "number", "noise_share": "number",
    "min_cluster_share": "number", "skip_reason": "text",
    "is_chosen": "number", "selection_reason": "text", "stability_ari": "number",
    "selection_criterion": "text", "feature_index": "number", "encoded_feature": "text",
    "source_column": "text", "category_value": "text", "is_log1p": "number",
    "fill_value": "number", "imputed_share": "number", "top_value_share": "number",
    "center": "number", "scale": "number", "projection_kind": "text",
    "dimension_index": "number", "dimension": "text", "loading": "number", "cluster_id": "number",
    "centroid_value": "number", "customer_id": "text", "distance_to_centroid": "number",
    "fit_scaled_mean": "number", "model_version": "number", "as_of_date": "text",
    "fit_reason": "text", "criterion_value": "number", "feature_drift": "number",
    "highest_cluster_id_used": "number", "old_cluster_id": "number", "new_cluster_id": "number",
    "kept_share": "number", "destination_cluster_id": "number", "destination_share": "number",
}
# var cluster_refit: when a new model version is fitted (decide_refit).
REFIT_MODES = ("when_stale", "always", "never")
# The record types that hold the model and its history; a reuse re-emits them unchanged.
MODEL_RECORD_TYPES = ("selection", "scaler", "projection", "centroid", "model", "lineage")


@dataclass(frozen=True)
class ClusterConfig:
    """Every knob of the fit; values come from dbt vars through the model's YAML config."""

    numeric_features: list[str]
    log1p_features: list[str] = field(default_factory=list)
    categorical_features: list[str] = field(default_factory=list)
    impute: dict[str, str] = field(default_factory=dict)
    scaler: str = "standard"
    pca_components: int = 0
    algorithms: list[str] = field(default_factory=lambda: ["kmeans"])
    agglomerative_linkages: list[str] = field(default_factory=lambda: ["ward"])
    k_min: int = 2
    k_max: int = 8
    sample_size: int = 50000
    metric_sample_size: int = 1000
    agglomerative_sample_size: int = 2000
    seed: int = 42
    n_init: int = 10
    minibatch_batch_size: int = 1024
    gmm_covariance_type: str = "full"
    selection_criterion: str = "silhouette"
    selection_fallback: str = "elbow"
    min_cluster_share: float = 0.0
    production_algorithm: str = "kmeans"
    bootstrap_rounds: int = 10
    gap_references: int = 5
    dbscan_min_samples: int = 10
    order_feature: str = "total_revenue"
    refit: str = "when_stale"
    refit_after_days: int = 90
    refit_drift_threshold: float = 0.25


# --- data in and out ---------------------------------------------------------


def to_pandas(relation) -> pd.DataFrame:
    """A dbt relation as pandas with lower-case columns (DuckDB ``.df()``, Snowpark ``.to_pandas()``)."""
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def read_columns(relation, columns: list[str]) -> pd.DataFrame:
    """Only these columns of a dbt relation, chosen before the rows leave the engine
    (DuckDB ``project``, Snowpark ``select``): the population is wide, the fit
    reads a handful of its columns. Other stand-ins are read whole, then cut."""
    if hasattr(relation, "project"):
        return to_pandas(relation.project(", ".join(columns)))
    if hasattr(relation, "select"):
        return to_pandas(relation.select(*columns))
    return to_pandas(relation)[columns]


def input_columns(config: ClusterConfig) -> list[str]:
    """The columns of the clustering population (customer_features' columns) the fit
    needs: the id, the features and the feature that orders first-build cluster ids,
    each once, in that order."""
    return list(dict.fromkeys(
        ["customer_id", *config.numeric_features, *config.categorical_features, config.order_feature]
    ))


def for_warehouse(frame: pd.DataFrame, session) -> pd.DataFrame:
    """Snowflake resolves unquoted names upper-case: return upper-case columns there.
    Snowpark cannot write pandas' string dtype (pd.NA): text goes back to objects with None."""
    if hasattr(session, "create_dataframe"):
        text = frame.select_dtypes(include="string").columns
        objects = frame.astype({column: object for column in text})
        objects[list(text)] = objects[list(text)].where(objects[list(text)].notna(), None)
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


def draw_sample(frame: pd.DataFrame, sample_size: int, seed: int) -> pd.DataFrame:
    """A reproducible sample: rows sorted by customer_id first, so input order never matters."""
    ordered = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if len(ordered) <= sample_size:
        return ordered
    return ordered.sample(n=sample_size, random_state=seed).reset_index(drop=True)


def assignment_check_sample(frame: pd.DataFrame, sample_size: int, seed: int) -> pd.DataFrame:
    """The customers a build that reuses the stored model also assigns in Python, to
    check the SQL assignment against: the sample_size customers with the lowest
    seeded 64-bit hash of their id (everyone when there are no more). The SQL
    assignment is the published one; assigning, typing and writing every customer a
    second time cost seconds at 1M. Neither the row order nor a sort decides who is
    in the sample. The ids are hashed one by one (categorize=False): they are unique,
    so pandas' default of hashing the distinct values first only added a
    factorisation (0.27 -> 0.05 s at 733k customers, the same hashes)."""
    if len(frame) <= sample_size:
        return frame
    hashes = pd.util.hash_array(
        frame["customer_id"].astype(str).to_numpy(dtype=object), hash_key=f"{seed % 10**16:016d}", categorize=False
    )
    chosen = np.argpartition(hashes, sample_size - 1)[:sample_size]
    return frame.iloc[np.sort(chosen)].reset_index(drop=True)


def count_distinct(points: np.ndarray) -> int:
    """Distinct rows: duplicated customers cannot be told apart by any partition."""
    return len(np.unique(points, axis=0)) if len(points) else 0


# --- preprocessing -----------------------------------------------------------


def _impute_value(values: pd.Series, strategy: str) -> float:
    present = values.dropna()
    if present.empty or strategy == "zero":
        return 0.0
    statistics = {"max": present.max, "min": present.min, "median": present.median, "mean": present.mean}
    return float(statistics[strategy]())


def _center_and_scale(values: np.ndarray, scaler: str) -> tuple[float, float]:
    """Location and spread so that scaled = (x - center) / scale; a zero spread becomes 1,
    and no values at all (0 customers) give center 0, scale 1."""
    if scaler not in ("standard", "minmax", "robust"):
        raise ValueError(f"unknown scaler {scaler!r}: use standard, minmax or robust")
    if len(values) == 0:
        return 0.0, 1.0
    if scaler == "standard":
        center, scale = float(np.mean(values)), float(np.std(values))
    elif scaler == "minmax":
        center, scale = float(np.min(values)), float(np.max(values) - np.min(values))
    elif scaler == "robust":
        q25, q50, q75 = np.percentile(values, [25, 50, 75])
        center, scale = float(q50), float(q75 - q25)
    else:
        raise ValueError(f"unknown scaler {scaler!r}: use standard, minmax or robust")
    return center, (scale if scale > 0 else 1.0)


def value_concentration(raw: pd.Series, filled: pd.Series) -> tuple[float, float]:
    """Share of rows whose value was imputed, and share holding the single most common
    value after imputation (NaN without rows): a feature where one value, imputed or
    not, holds most customers can only split them into "that value" and "the rest"."""
    if raw.empty:
        return float("nan"), float("nan")
    return float(raw.isna().mean()), float(filled.value_counts(normalize=True, dropna=False).iloc[0])


def fit_scaler_params(frame: pd.DataFrame, config: ClusterConfig) -> pd.DataFrame:
    """One row per encoded feature: numeric features, then one indicator per category.

    A numeric value is imputed (``fill_value``, original units, computed on the rows
    given: the clustering population's sample), log1p-transformed when listed in
    ``log1p_features`` (after clipping at 0), then scaled; ``imputed_share`` and
    ``top_value_share`` say how concentrated it is (value_concentration). A
    categorical value becomes a 0/1 indicator per category seen in the sample (nulls
    are their own category); unseen categories get all-zero indicators.
    """
    rows: list[dict] = []
    for column in config.numeric_features:
        raw = frame[column].astype(float)
        fill_value = _impute_value(raw, config.impute.get(column, "zero"))
        is_log1p = column in config.log1p_features
        filled = raw.fillna(fill_value)
        imputed_share, top_value_share = value_concentration(raw, filled)
        values = filled.to_numpy()
        values = np.log1p(np.clip(values, 0.0, None)) if is_log1p else values
        center, scale = _center_and_scale(values, config.scaler)
        rows.append(
            {"encoded_feature": column, "source_column": column, "category_value": None,
             "is_log1p": is_log1p, "fill_value": fill_value, "imputed_share": imputed_share,
             "top_value_share": top_value_share, "center": center, "scale": scale}
        )
    for column in config.categorical_features:
        categories = frame[column].astype("object").where(frame[column].notna(), MISSING_CATEGORY).astype(str)
        for category in sorted(categories.unique()):
            center, scale = _center_and_scale((categories == category).to_numpy(dtype=float), config.scaler)
            rows.append(
                {"encoded_feature": f"{column}={category}", "source_column": column,
                 "category_value": category, "is_log1p": False, "fill_value": None,
                 "center": center, "scale": scale}
            )
    params = pd.DataFrame(rows)
    params.insert(0, "feature_index", np.arange(len(params), dtype="int64"))
    return params


def transform_features(frame: pd.DataFrame, params: pd.DataFrame) -> np.ndarray:
    """Apply persisted scaler parameters; the SQL in int_customers__cluster_scaled mirrors this."""
    columns: list[np.ndarray] = []
    for row in params.sort_values("feature_index").itertuples(index=False):
        if row.category_value is None or (isinstance(row.category_value, float) and np.isnan(row.category_value)):
            values = frame[row.source_column].astype(float).fillna(row.fill_value).to_numpy()
            values = np.log1p(np.clip(values, 0.0, None)) if row.is_log1p else values
        else:
            source = frame[row.source_column].astype("object")
            values = (source.where(source.notna(), MISSING_CATEGORY).astype(str) == row.category_value).to_numpy(
                dtype=float
            )
        columns.append((values - row.center) / row.scale)
    return np.column_stack(columns)


def fit_projection(
    scaled: np.ndarray, encoded_features: list[str], n_components: int, seed: int, kind: str
) -> pd.DataFrame:
    """Loadings from scaled features to a space: PCA with n_components, or identity when 0.

    coordinate[d] = sum_f (scaled[f] - center[f]) * loading[d, f]; identity rows only
    carry the diagonal (a missing loading is 0).
    """
    if n_components <= 0:
        return pd.DataFrame(
            {"projection_kind": kind, "dimension_index": np.arange(len(encoded_features), dtype="int64"),
             "dimension": encoded_features, "encoded_feature": encoded_features,
             "center": 0.0, "loading": 1.0}
        )
    if count_distinct(scaled) < MIN_ROWS_FOR_PCA:
        return fallback_projection(scaled, encoded_features, min(n_components, scaled.shape[1]), kind)
    from sklearn.decomposition import PCA

    n_components = min(n_components, scaled.shape[1], scaled.shape[0])
    pca = PCA(n_components=n_components, random_state=seed).fit(scaled)
    # Fix each component's sign (largest loading positive) so reruns give the same axes.
    signs = np.sign(pca.components_[np.arange(n_components), np.abs(pca.components_).argmax(axis=1)])
    components = pca.components_ * signs[:, None]
    grid_dim, grid_feature = np.meshgrid(np.arange(n_components), np.arange(len(encoded_features)), indexing="ij")
    return pd.DataFrame(
        {"projection_kind": kind, "dimension_index": grid_dim.ravel().astype("int64"),
         "dimension": [f"pc{i + 1}" for i in grid_dim.ravel()],
         "encoded_feature": np.asarray(encoded_features)[grid_feature.ravel()],
         "center": pca.mean_[grid_feature.ravel()], "loading": components.ravel()}
    )


def fallback_projection(scaled: np.ndarray, encoded_features: list[str], n_components: int, kind: str) -> pd.DataFrame:
    """PCA is undefined on fewer than MIN_ROWS_FOR_PCA distinct rows: the first n_components
    scaled features stand in as the axes pc1, pc2, ... (centered on the rows' mean,
    0 without rows), so the plot and the clustering space still have their dimensions."""
    centers = scaled.mean(axis=0) if len(scaled) else np.zeros(scaled.shape[1])
    return pd.DataFrame(
        {"projection_kind": kind, "dimension_index": np.arange(n_components, dtype="int64"),
         "dimension": [f"pc{i + 1}" for i in range(n_components)],
         "encoded_feature": encoded_features[:n_components],
         "center": centers[:n_components].astype(float), "loading": 1.0}
    )


def project(scaled: np.ndarray, encoded_features: list[str], projection: pd.DataFrame) -> np.ndarray:
    """Coordinates of scaled rows in a projection's space (dimensions ordered by index)."""
    dimensions = projection.drop_duplicates("dimension_index").sort_values("dimension_index")
    feature_position = {feature: i for i, feature in enumerate(encoded_features)}
    loadings = np.zeros((len(dimensions), len(encoded_features)))
    centers = np.zeros(len(encoded_features))
    feature_idx = projection["encoded_feature"].map(feature_position).to_numpy()
    loadings[projection["dimension_index"].to_numpy(), feature_idx] = projection["loading"].to_numpy()
    centers[feature_idx] = projection["center"].to_numpy()
    return (scaled - centers) @ loadings.T


# --- clustering quality ------------------------------------------------------


def within_cluster_sum_of_squares(points: np.ndarray, labels: np.ndarray) -> float:
    """Inertia of any partition: squared distances to each cluster's mean."""
    unique, inverse = np.unique(labels, return_inverse=True)
    sums = np.zeros((len(unique), points.shape[1]))
    np.add.at(sums, inverse, points)
    means = sums / np.bincount(inverse)[:, None]
    return float(((points - means[inverse]) ** 2).sum())


def dunn_index(points: np.ndarray, labels: np.ndarray) -> float:
    """Smallest distance between two clusters / largest cluster diameter (O(n^2): pass a sample)."""
    from scipy.spatial.distance import cdist

    return dunn_index_from_distances(cdist(points, points), labels)


def dunn_index_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Dunn index from a precomputed square distance matrix."""
    same_cluster = labels[:, None] == labels[None, :]
    if same_cluster.all():
        return float("nan")
    diameter = np.max(distances, where=same_cluster, initial=0.0)
    separation = np.min(distances, where=~same_cluster, initial=np.inf)
    return float(separation / diameter) if diameter > 0 else float("nan")


def hard_partition_bic(points: np.ndarray, labels: np.ndarray) -> float:
    """BIC of a hard partition as spherical Gaussians with one shared variance (X-means).

    log L = sum_j n_j log(n_j / n) - n d / 2 log(2 pi s2) - (n - k) d / 2, with
    s2 = WCSS / (d (n - k)); parameters p = k - 1 + k d + 1; BIC = -2 log L + p log n.
    """
    n, dims = points.shape
    counts = np.unique(labels, return_counts=True)[1]
    k = len(counts)
    variance = max(within_cluster_sum_of_squares(points, labels) / (dims * max(n - k, 1)), 1e-12)
    log_likelihood = (
        float((counts * np.log(counts / n)).sum())
        - n * dims / 2 * np.log(2 * np.pi * variance)
        - (n - k) * dims / 2
    )
    n_parameters = (k - 1) + k * dims + 1
    return float(-2 * log_likelihood + n_parameters * np.log(n))


def find_knee(values: np.ndarray, increasing: bool) -> int:
    """Index of the knee of a convex curve (Kneedle): farthest point below the chord.

    increasing=True for a rising curve such as sorted k-distances, False for a falling
    one such as inertia over k.
    """
    y = np.asarray(values, dtype=float)
    if len(y) < 3 or np.ptp(y) == 0:
        return 0
    x_norm = np.linspace(0.0, 1.0, len(y))
    y_norm = (y - y.min()) / np.ptp(y)
    difference = x_norm - y_norm if increasing else (1.0 - x_norm) - y_norm
    return int(np.argmax(difference))


def dbscan_eps(points: np.ndarray, min_samples: int) -> float:
    """eps at the knee of the sorted distances to each point's min_samples-th neighbour.
    0 when the knee is at distance 0 (at least min_samples identical points around
    it): DBSCAN needs eps > 0, so evaluate_dbscan then skips DBSCAN and says why."""
    from sklearn.neighbors import NearestNeighbors

    neighbours = NearestNeighbors(n_neighbors=min(min_samples, len(points))).fit(points)
    k_distances = np.sort(neighbours.kneighbors(points)[0][:, -1])
    return float(k_distances[find_knee(k_distances, increasing=True)])


def gap_statistic(
    points: np.ndarray, k_values: list[int], references: int, seed: int
) -> pd.DataFrame:
    """Tibshirani's gap: E*[log W_k] on uniform boxes minus log W_k, with its standard error."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    low, high = points.min(axis=0), points.max(axis=0)
    boxes = [rng.uniform(low, high, size=points.shape) for _ in range(references)]
    rows = []
    for k in k_values:
        observed = np.log(KMeans(n_clusters=k, n_init=3, random_state=seed).fit(points).inertia_)
        reference = np.log(
            [KMeans(n_clusters=k, n_init=1, random_state=seed).fit(box).inertia_ for box in boxes]
        )
        rows.append(
            {"k": k, "gap": float(reference.mean() - observed),
             "gap_sd": float(reference.std() * np.sqrt(1 + 1 / references))}
        )
    return pd.DataFrame(rows)


# --- fitting -----------------------------------------------------------------


def fit_partition(
    algorithm: str, k: int, points: np.ndarray, config: ClusterConfig, seed: int
) -> tuple[np.ndarray, np.ndarray | None, object]:
    """Labels, centroids (None without centroids) and the fitted estimator."""
    from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
    from sklearn.mixture import GaussianMixture

    if algorithm == "kmeans":
        estimator = KMeans(n_clusters=k, n_init=config.n_init, random_state=seed).fit(points)
        return estimator.labels_, estimator.cluster_centers_, estimator
    if algorithm == "minibatch_kmeans":
        estimator = MiniBatchKMeans(
            n_clusters=k, n_init=1, batch_size=config.minibatch_batch_size, random_state=seed
        ).fit(points)
        return estimator.labels_, estimator.cluster_centers_, estimator
    if algorithm == "gmm":
        estimator = GaussianMixture(
            n_components=k, covariance_type=config.gmm_covariance_type, random_state=seed
        ).fit(points)
        return estimator.predict(points), estimator.means_, estimator
    if algorithm.startswith("agglomerative_"):
        estimator = AgglomerativeClustering(n_clusters=k, linkage=algorithm.removeprefix("agglomerative_"))
        return estimator.fit_predict(points), None, estimator
    raise ValueError(f"unknown algorithm {algorithm!r}")


def metric_subset(n_points: int, metric_sample_size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the sub-sample used for O(n^2) metrics."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_points, size=min(metric_sample_size, n_points), replace=False))


def score_partition(
    points: np.ndarray, labels: np.ndarray, subset: np.ndarray, subset_distances: np.ndarray
) -> dict:
    """Every diagnostic of one partition; silhouette and Dunn on the rows in `subset`,
    whose pairwise distances are precomputed once per point set."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    if len(np.unique(labels)) < 2:
        return {"inertia": within_cluster_sum_of_squares(points, labels)}
    sampled_labels = labels[subset]
    has_two = len(np.unique(sampled_labels)) >= 2
    return {
        "inertia": within_cluster_sum_of_squares(points, labels),
        "silhouette": (
            float(silhouette_score(subset_distances, sampled_labels, metric="precomputed")) if has_two else np.nan
        ),
        "davies_bouldin": float(davies_bouldin_score(points, labels)),
        "calinski_harabasz": float(calinski_harabasz_score(points, labels)),
        "dunn_index": dunn_index_from_distances(subset_distances, sampled_labels) if has_two else np.nan,
        "bic": hard_partition_bic(points, labels),
    }


def candidate_k_values(config: ClusterConfig) -> list[int]:
    """Every k model selection considers: [max(k_min, 2), k_max]."""
    return list(range(max(config.k_min, 2), config.k_max + 1))


def valid_k_values(n_points: int, config: ClusterConfig) -> list[int]:
    """The k in [k_min, k_max] a partition of n_points (distinct points: duplicates
    cannot be told apart) can be scored at: at least 2 clusters and at most
    n_points - 1 (silhouette). Empty when there are fewer than max(k_min, 2) + 1
    points: then model selection is skipped (single_cluster_fit)."""
    return [k for k in candidate_k_values(config) if k <= n_points - 1]


def too_few_customers_reason(k: int, n_distinct: int) -> str:
    """skip_reason of a k the data cannot support (fewer distinct customers than k + 1)."""
    return f"k={k} needs at least {k + 1} customers with distinct features; the fit has {n_distinct}"


def below_floor_reason(min_share: float, floor: float) -> str:
    """skip_reason of a partition whose smallest cluster is below var cluster_min_share."""
    return f"smallest cluster holds {min_share:.1%} of the fit, below cluster_min_share {floor:.1%}"


def min_cluster_share(labels: np.ndarray, k: int) -> float:
    """Share of the fitted customers in the smallest of the k clusters (an empty one
    counts as 0; DBSCAN noise, label -1, is in no cluster but in the denominator)."""
    if len(labels) == 0 or k == 0:
        return float("nan")
    return float(np.bincount(labels[labels >= 0], minlength=k)[:k].min() / len(labels))


def skipped_selection_reason(n_points: int, n_distinct: int, config: ClusterConfig) -> str:
    """Why model selection was skipped, as recorded in cluster_model_selection."""
    needed = max(config.k_min, 2) + 1
    if n_points == 0:
        return f"skipped: no customers to fit (at least {needed} are needed to compare k); no clusters"
    return (
        f"skipped: {n_points} customers with {n_distinct} distinct feature vectors, fewer than"
        f" the {needed} needed to compare k in [{config.k_min}, {config.k_max}];"
        " one cluster (k=1, the mean) holds every customer"
    )


def single_cluster_fit(points: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The fit when k cannot be compared: one cluster at the mean of the points (none
    without points). Returns k, labels and centroids."""
    if len(points) == 0:
        return 0, np.zeros(0, dtype="int64"), np.zeros((0, points.shape[1]))
    return 1, np.zeros(len(points), dtype="int64"), points.mean(axis=0, keepdims=True)


def evaluate_candidates(points: np.ndarray, config: ClusterConfig) -> pd.DataFrame:
    """One row per algorithm x k in [k_min, k_max] (and one DBSCAN row) with every
    diagnostic. A k the data cannot support is a row with ``skip_reason`` and no
    metrics; a partition whose smallest cluster is below ``min_cluster_share`` keeps its
    metrics and gets a ``skip_reason`` (choose_k passes over it)."""
    from scipy.spatial.distance import cdist

    algorithms = [a for a in config.algorithms if a not in ("agglomerative", "dbscan")]
    if "agglomerative" in config.algorithms:
        algorithms += [f"agglomerative_{linkage}" for linkage in config.agglomerative_linkages]
    rng = np.random.default_rng(config.seed)
    agglomerative_rows = np.sort(
        rng.choice(len(points), size=min(config.agglomerative_sample_size, len(points)), replace=False)
    )
    point_sets = {"all": points, "sample": points[agglomerative_rows]}
    distinct = {name: count_distinct(p) for name, p in point_sets.items()}
    subsets = {name: metric_subset(len(p), config.metric_sample_size, config.seed) for name, p in point_sets.items()}
    distances = {name: cdist(p[subsets[name]], p[subsets[name]]) for name, p in point_sets.items()}
    rows: list[dict] = []
    for algorithm in algorithms:
        point_set = "sample" if algorithm.startswith("agglomerative_") else "all"
        fit_points = point_sets[point_set]
        for k in candidate_k_values(config):
            row = {"algorithm": algorithm, "k": k, "n_fitted": len(fit_points)}
            if k > distinct[point_set] - 1:
                rows.append({**row, "skip_reason": too_few_customers_reason(k, distinct[point_set])})
                continue
            labels, _, estimator = fit_partition(algorithm, k, fit_points, config, config.seed)
            scores = score_partition(fit_points, labels, subsets[point_set], distances[point_set])
            if algorithm == "gmm":
                scores["bic"] = float(estimator.bic(fit_points))
                scores["aic"] = float(estimator.aic(fit_points))
            share = min_cluster_share(labels, k)
            floor = below_floor_reason(share, config.min_cluster_share) if share < config.min_cluster_share else None
            rows.append({**row, **scores, "min_cluster_share": share, "skip_reason": floor})
    gap_k_values = valid_k_values(distinct["all"], config)
    if {"kmeans", "minibatch_kmeans"} & set(algorithms) and config.gap_references > 0 and gap_k_values:
        gaps = gap_statistic(points, gap_k_values, config.gap_references, config.seed)
        frame = pd.DataFrame(rows).merge(gaps, on="k", how="left")
        frame.loc[~frame["algorithm"].isin(["kmeans", "minibatch_kmeans"]), ["gap", "gap_sd"]] = np.nan
        rows = frame.to_dict("records")
    if "dbscan" in config.algorithms:
        rows.append(evaluate_dbscan(point_sets["sample"], subsets["sample"], distances["sample"], config))
    selection = pd.DataFrame(rows)
    for column in ("inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "dunn_index", "bic", "aic",
                   "gap", "gap_sd", "noise_share", "eps", "min_cluster_share", "skip_reason"):
        if column not in selection:
            selection[column] = None if column == "skip_reason" else np.nan
    return selection


def evaluate_dbscan(
    points: np.ndarray, subset: np.ndarray, subset_distances: np.ndarray, config: ClusterConfig
) -> dict:
    """DBSCAN with eps from the k-distance knee; noise (-1) is scored as a label of its
    own. Skipped, with the reason, when it cannot run or finds nothing: fewer customers
    than min_samples, an eps of 0, or no cluster at all (k = 0 on those rows)."""
    row = {"algorithm": "dbscan", "k": 0, "n_fitted": len(points)}
    if len(points) < config.dbscan_min_samples:
        return {**row, "skip_reason": (
            f"{len(points)} customers in the fit, fewer than cluster_dbscan_min_samples"
            f" ({config.dbscan_min_samples}): no customer can be a core point"
        )}
    eps = dbscan_eps(points, config.dbscan_min_samples)
    if eps <= 0:
        return {**row, "eps": eps, "skip_reason": (
            "eps would be 0: the knee of the k-distance curve is at distance 0 (at least"
            f" {config.dbscan_min_samples} customers share identical features); DBSCAN needs eps > 0"
        )}
    from sklearn.cluster import DBSCAN

    labels = DBSCAN(eps=eps, min_samples=config.dbscan_min_samples).fit_predict(points)
    k = len(set(labels) - {-1})
    noise_share = float((labels == -1).mean())
    if k == 0:
        return {**row, "eps": eps, "noise_share": noise_share, "skip_reason": "every customer is noise: no cluster"}
    share = min_cluster_share(labels, k)
    floor = below_floor_reason(share, config.min_cluster_share) if share < config.min_cluster_share else None
    return {
        **row, "k": k, "eps": eps, "noise_share": noise_share,
        **score_partition(points, labels, subset, subset_distances),
        "min_cluster_share": share, "skip_reason": floor,
    }


def _k_list(ks) -> str:
    return ", ".join(str(int(k)) for k in ks)


def criterion_pick(rows: pd.DataFrame, criterion: str) -> tuple[int | None, str]:
    """Position in `rows` (sorted by k, consecutive candidates) of the k a criterion
    prefers and a phrase saying why; None when no k could be scored by it."""
    if criterion == "elbow":
        inertia = rows["inertia"].to_numpy(dtype=float)
        return find_knee(inertia, increasing=False), "knee of the inertia curve"
    if criterion == "gap":
        gap, gap_sd = rows["gap"].to_numpy(dtype=float), rows["gap_sd"].to_numpy(dtype=float)
        if np.isnan(gap).all():
            return None, "no gap statistic (var cluster_gap_references = 0 or not a k-means algorithm)"
        passing = np.flatnonzero(gap[:-1] >= gap[1:] - gap_sd[1:])
        if len(passing):
            return int(passing[0]), "smallest k with gap(k) >= gap(k+1) - s(k+1) (Tibshirani's rule)"
        # Never held: the gap rose by more than a standard error at every step, so the
        # largest k is the only candidate left (the rule cannot be checked there).
        return len(rows) - 1, (
            "gap(k) >= gap(k+1) - s(k+1) held for no k (the gap rose by more than a standard"
            f" error at every step, to {gap[-1]:.4f})"
        )
    values = rows[criterion].to_numpy(dtype=float)
    if np.isnan(values).all():
        return None, f"no k could be scored by {criterion}"
    index = int(np.nanargmin(values) if criterion in MINIMISED_CRITERIA else np.nanargmax(values))
    best = "lowest" if criterion in MINIMISED_CRITERIA else "highest"
    return index, f"{best} {criterion} ({values[index]:.4f})"


def choose_k(
    selection: pd.DataFrame, algorithm: str, criterion: str, fallback: str = "elbow"
) -> tuple[int, str]:
    """The k of `algorithm` preferred by `criterion`, and a sentence saying why.

    Candidates with a ``skip_reason`` are passed over: those the data cannot support
    always, those below the size floor unless every fitted k is (then the floor is set
    aside, and the sentence says so). When the criterion prefers the largest k fitted
    (it "ran to k_max": typical of gap and BIC, which keep improving with k),
    `fallback` decides among the eligible k: ``elbow`` (knee of the inertia curve),
    ``silhouette`` (highest silhouette) or ``none`` (keep it); the sentence names both.
    """
    if fallback not in SELECTION_FALLBACKS:
        raise ValueError(f"unknown selection fallback {fallback!r}: use one of {SELECTION_FALLBACKS}")
    rows = selection[selection["algorithm"] == algorithm].sort_values("k").reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"production algorithm {algorithm!r} was not evaluated: add it to the algorithms var")
    for column in ("skip_reason", "min_cluster_share"):
        if column not in rows:
            rows[column] = None if column == "skip_reason" else np.nan
    fitted = rows[rows["skip_reason"].isna() | rows["min_cluster_share"].notna()]
    unsupported = rows[~rows.index.isin(fitted.index)]
    eligible = fitted[fitted["skip_reason"].isna()].reset_index(drop=True)
    notes = []
    below_floor = fitted[fitted["skip_reason"].notna()]
    if eligible.empty:
        eligible = fitted.reset_index(drop=True)
        notes.append("every k has a cluster below cluster_min_share, so the floor was set aside")
    elif not below_floor.empty:
        notes.append(f"k={_k_list(below_floor['k'])} passed over (a cluster below cluster_min_share)")
    if not unsupported.empty:
        notes.append(f"k={_k_list(unsupported['k'])} not fitted (too few distinct customers)")
    k_range = f"k in [{eligible['k'].min()}, {eligible['k'].max()}]"
    index, why = criterion_pick(eligible, criterion)
    if index is None:
        index, why = 0, f"{why}; smallest k"
    k = int(eligible.loc[index, "k"])
    reason = f"{algorithm} k={k}: {why} over {k_range}"
    last = len(eligible) - 1
    # "Ran to the top": the pick is the largest k fitted (k_max, or the largest k the
    # data supports), so a larger k might have been better still.
    if index == last and last > 0 and k == fitted["k"].max():
        top = f"{criterion} ran to the top of the range: {why} is at k={k}, the largest k fitted"
        if fallback == "none" or (fallback == "elbow" and criterion == "elbow"):
            reason = f"{algorithm} k={k}: {top}; kept (cluster_selection_fallback {fallback})"
        else:
            fallback_index, fallback_why = criterion_pick(eligible, fallback)
            if fallback_index is None:
                reason = f"{algorithm} k={k}: {top}; fallback {fallback} unavailable ({fallback_why}), kept"
            else:
                k = int(eligible.loc[fallback_index, "k"])
                also_top = " (also the largest k)" if fallback_index == last else ""
                reason = f"{algorithm} k={k}: {top}; fell back to {fallback}: {fallback_why} at k={k}{also_top}"
    return k, "; ".join([reason, *notes])


def bootstrap_stability(
    points: np.ndarray, algorithm: str, k: int, labels: np.ndarray, config: ClusterConfig
) -> float:
    """Mean adjusted Rand index between the fit and refits on bootstrap resamples."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(config.seed)
    scores = []
    for round_number in range(config.bootstrap_rounds):
        resample = rng.integers(0, len(points), size=len(points))
        _, _, estimator = fit_partition(algorithm, k, points[resample], config, config.seed + round_number + 1)
        scores.append(adjusted_rand_score(labels, estimator.predict(points)))
    return float(np.mean(scores)) if scores else float("nan")


def nearest_centroid(points: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid (ties: the lowest index) and the Euclidean distance to it."""
    # One pass per centroid keeps memory at n x k (not n x k x d) for the full table,
    # and sums squared differences exactly as the SQL does.
    if len(points) == 0 or len(centroids) == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0)
    squared = np.column_stack([((points - centroid) ** 2).sum(axis=1) for centroid in centroids])
    nearest = squared.argmin(axis=1)
    return nearest, np.sqrt(squared[np.arange(len(points)), nearest])


def order_by_feature(labels: np.ndarray, order_values: np.ndarray, k: int | None = None) -> np.ndarray:
    """Cluster ids for a first run: 0 = the lowest mean of the ordering feature (an
    empty cluster, e.g. a Gaussian component no customer is nearest to, comes last)."""
    k = int(labels.max()) + 1 if k is None else k
    means = pd.Series(order_values).groupby(labels).mean().reindex(range(k))
    ranking = means.sort_values(kind="stable").index.to_numpy()
    ids = np.empty(k, dtype="int64")
    ids[ranking] = np.arange(k)
    return ids


def match_to_previous(centroids: np.ndarray, previous: pd.DataFrame, highest_id_used: int = -1) -> np.ndarray:
    """Cluster ids that keep their meaning: Hungarian matching on squared centroid distance.

    `previous` has one row per previous cluster (its id in `cluster_id`, coordinates in
    the other columns, same dimensions). Matched clusters inherit the previous id; when
    k grew, the extra clusters get ids never used before: above every previous id and
    above ``highest_id_used`` (the highest id of every model version so far).
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    previous_ids = previous["cluster_id"].to_numpy(dtype="int64")
    previous_points = previous.drop(columns="cluster_id").to_numpy(dtype=float)
    rows, columns = linear_sum_assignment(cdist(centroids, previous_points, "sqeuclidean"))
    ids = np.full(len(centroids), -1, dtype="int64")
    ids[rows] = previous_ids[columns]
    unmatched = np.flatnonzero(ids < 0)
    ids[unmatched] = max(int(previous_ids.max()), highest_id_used) + 1 + np.arange(len(unmatched))
    return ids


def previous_centroid_table(previous_rows: pd.DataFrame | None, dimensions: list[str]) -> pd.DataFrame | None:
    """Previous run's centroids as cluster_id + one column per dimension, or None if not comparable."""
    if previous_rows is None or previous_rows.empty:
        return None
    wide = previous_rows.pivot_table(index="cluster_id", columns="dimension", values="centroid_value")
    if sorted(wide.columns) != sorted(dimensions) or wide.isna().any().any():
        return None
    return wide[dimensions].reset_index()


# --- the whole fit -----------------------------------------------------------


def fit_clusters(
    features: pd.DataFrame,
    config: ClusterConfig,
    previous_centroids: pd.DataFrame | None = None,
    highest_id_used: int = -1,
) -> dict[str, pd.DataFrame]:
    """Sample, preprocess, evaluate, choose, fit the production model and assign everyone.

    Native thread pools are limited to one thread: the many small fits here are
    dominated by OpenMP start-up and spin-waiting on a shared machine (measured 40x
    slower with the default pool on 2 busy cores).
    """
    with threadpool_limits(limits=1):
        return _fit_clusters(features, config, previous_centroids, highest_id_used)


def _fit_clusters(
    features: pd.DataFrame, config: ClusterConfig, previous_centroids: pd.DataFrame | None, highest_id_used: int
) -> dict[str, pd.DataFrame]:
    if config.production_algorithm not in CENTROID_ALGORITHMS:
        raise ValueError(f"production algorithm must be one of {CENTROID_ALGORITHMS}: SQL assigns by centroid")
    if config.selection_fallback not in SELECTION_FALLBACKS:
        raise ValueError(f"cluster_selection_fallback must be one of {SELECTION_FALLBACKS}")
    # 1. preprocessing, fitted on the sample of the clustering population
    sample = draw_sample(features, config.sample_size, config.seed)
    scaler = fit_scaler_params(sample, config)
    encoded = scaler.sort_values("feature_index")["encoded_feature"].tolist()
    scaled_sample = transform_features(sample, scaler)
    # The fitted population's mean per scaled feature: the reference of feature_drift.
    scaler["fit_scaled_mean"] = scaled_sample.mean(axis=0) if len(scaled_sample) else 0.0
    projection = fit_projection(scaled_sample, encoded, config.pca_components, config.seed, "clustering")
    plot_projection = fit_projection(scaled_sample, encoded, 2, config.seed, "plot")
    points = project(scaled_sample, encoded, projection)

    # 2. model selection and the production fit
    selection, k, reason, labels, centroids, stability = select_and_fit(points, config)

    # 3. cluster ids: kept from the previous model version's centroids, else ordered by a feature
    dimensions = projection.drop_duplicates("dimension_index").sort_values("dimension_index")["dimension"].tolist()
    previous = previous_centroid_table(previous_centroids, dimensions)
    if k == 0:
        ids = np.zeros(0, dtype="int64")
    elif previous is not None:
        ids = match_to_previous(centroids, previous, highest_id_used)
    else:
        ids = order_by_feature(labels, sample[config.order_feature].astype(float).to_numpy(), k) + highest_id_used + 1
    # The same sentence either way, so a rebuild on the same data is identical.
    reason += (
        "; ids kept from the previous model version by Hungarian matching of centroids, new"
        f" clusters numbered above every id used (first model or changed features: ordered by"
        f" mean {config.order_feature})"
    )
    selection["is_chosen"] = (selection["algorithm"] == config.production_algorithm) & (selection["k"] == k)
    selection["selection_reason"] = np.where(selection["is_chosen"], reason, None)
    selection["stability_ari"] = np.where(selection["is_chosen"], stability, np.nan)
    selection["selection_criterion"] = config.selection_criterion

    order = np.argsort(ids)
    centroid_rows = pd.DataFrame(
        {"algorithm": config.production_algorithm, "k": k,
         "cluster_id": np.repeat(ids[order], len(dimensions)),
         "dimension": np.tile(dimensions, k),
         "centroid_value": centroids[order].ravel()}
    )
    # 4. the Python twin of the SQL assignment (int_customers__cluster_assigned)
    return {
        "selection": selection,
        "scaler": scaler,
        "projection": pd.concat([projection, plot_projection], ignore_index=True),
        "centroid": centroid_rows,
        "assignment": assign_to_centroids(features, scaler, projection, ids[order], centroids[order]),
    }


def select_and_fit(
    points: np.ndarray, config: ClusterConfig
) -> tuple[pd.DataFrame, int, str, np.ndarray, np.ndarray, float]:
    """Evaluate every candidate, choose k for the production algorithm and fit it.

    Returns the selection rows, k, the reason, the fit's labels and centroids, and
    its bootstrap stability. With too few distinct customers to compare k (fewer than
    max(k_min, 2) + 1) one cluster at the mean holds everyone (none without customers);
    the candidates are still listed, each with its skip_reason, and a row for the
    production algorithm at k = 1 (or 0) carries the reason.
    """
    algorithm = config.production_algorithm
    n_distinct = count_distinct(points)
    selection = evaluate_candidates(points, config)
    if valid_k_values(n_distinct, config):
        k, reason = choose_k(selection, algorithm, config.selection_criterion, config.selection_fallback)
        labels, centroids, _ = fit_partition(algorithm, k, points, config, config.seed)
        return selection, k, reason, labels, centroids, bootstrap_stability(points, algorithm, k, labels, config)
    k, labels, centroids = single_cluster_fit(points)
    chosen = pd.DataFrame(
        [{"algorithm": algorithm, "k": k, "n_fitted": len(points),
          "inertia": within_cluster_sum_of_squares(points, labels) if k else np.nan,
          "min_cluster_share": 1.0 if k else np.nan}]
    )
    selection = pd.concat([selection, chosen], ignore_index=True)
    return selection, k, skipped_selection_reason(len(points), n_distinct, config), labels, centroids, np.nan


def assign_to_centroids(
    features: pd.DataFrame, scaler: pd.DataFrame, projection: pd.DataFrame, ids: np.ndarray, centroids: np.ndarray
) -> pd.DataFrame:
    """Every customer's nearest centroid (ids[i] belongs to centroids[i]) with the
    persisted scaler and clustering projection, as the SQL assignment computes it."""
    encoded = scaler.sort_values("feature_index")["encoded_feature"].tolist()
    points = project(transform_features(features, scaler), encoded, projection)
    nearest, distance = nearest_centroid(points, centroids)
    # Without a centroid (0 customers) nobody is assigned.
    nearest, distance = (nearest, distance) if len(centroids) else (nearest[:0], distance[:0])
    return pd.DataFrame(
        {"customer_id": features["customer_id"].to_numpy()[: len(nearest)],
         "cluster_id": ids[nearest], "distance_to_centroid": distance}
    )


def to_records(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack the result tables into one sparse table keyed by record_type, with every
    column of RECORD_COLUMNS in its type even when a slice (or everything) is empty."""
    frames = [frame.assign(record_type=name) for name, frame in results.items()]
    return typed_records(pd.concat(frames, ignore_index=True, sort=False))


def typed_records(records: pd.DataFrame) -> pd.DataFrame:
    """Every column of RECORD_COLUMNS, in order and in its type (see to_records)."""
    unknown = set(records.columns) - set(RECORD_COLUMNS)
    if unknown:
        raise ValueError(f"columns missing from RECORD_COLUMNS: {sorted(unknown)}")
    # Column by column without a round trip through objects where the type allows it:
    # the nightly reuse types every customer's assignment row (1M rows at the bench's
    # largest size), where the object round trip took seconds.
    typed = {}
    for column, kind in RECORD_COLUMNS.items():
        if column not in records:
            typed[column] = pd.Series(pd.NA if kind == "text" else np.nan, index=records.index,
                                      dtype="string" if kind == "text" else "float64")
        elif kind == "text":
            typed[column] = records[column].astype("string")
        else:
            typed[column] = pd.Series(numeric_values(records[column]), index=records.index)
    return pd.DataFrame(typed, index=records.index)


def numeric_values(values: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for every missing value: numeric (and nullable or
    boolean) columns convert directly; objects (numbers, None, NaN, pd.NA mixed, as the
    warehouse returns all-null columns) are parsed as numbers."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan)).to_numpy(dtype="float64")


def config_from_settings(settings: dict) -> ClusterConfig:
    """Build the config from the model's YAML config values (rendered from vars)."""
    value = {key: parse_config_value(item) for key, item in settings.items()}
    return ClusterConfig(
        numeric_features=list(value["cluster_features"]),
        log1p_features=list(value["cluster_log1p_features"] or []),
        categorical_features=list(value["cluster_categorical_features"] or []),
        impute=dict(value["cluster_impute"] or {}),
        scaler=str(value["cluster_scaler"]),
        pca_components=int(value["cluster_pca_components"]),
        algorithms=list(value["cluster_algorithms"]),
        agglomerative_linkages=list(value["cluster_agglomerative_linkages"]),
        k_min=int(value["cluster_k_min"]),
        k_max=int(value["cluster_k_max"]),
        sample_size=int(value["cluster_sample_size"]),
        metric_sample_size=int(value["cluster_metric_sample_size"]),
        agglomerative_sample_size=int(value["cluster_agglomerative_sample_size"]),
        seed=int(value["cluster_random_seed"]),
        n_init=int(value["cluster_kmeans_n_init"]),
        minibatch_batch_size=int(value["cluster_minibatch_batch_size"]),
        gmm_covariance_type=str(value["cluster_gmm_covariance_type"]),
        selection_criterion=str(value["cluster_selection_criterion"]),
        selection_fallback=str(value["cluster_selection_fallback"]),
        min_cluster_share=float(value["cluster_min_share"]),
        production_algorithm=str(value["cluster_production_algorithm"]),
        bootstrap_rounds=int(value["cluster_bootstrap_rounds"]),
        gap_references=int(value["cluster_gap_references"]),
        dbscan_min_samples=int(value["cluster_dbscan_min_samples"]),
        order_feature=str(value["cluster_order_feature"]),
        refit=str(value["cluster_refit"]),
        refit_after_days=int(value["cluster_refit_after_days"]),
        refit_drift_threshold=float(value["cluster_refit_drift_threshold"]),
    )


# --- the model life cycle -----------------------------------------------------


def feature_drift(features: pd.DataFrame, scaler: pd.DataFrame) -> float:
    """Mean over encoded features of |mean scaled value now - mean at fit time|.

    Scaled with the stored scaler, so the shift is in units of the fitted spread
    (standard deviations for the standard scaler): 0.25 = the population moved a
    quarter of a standard deviation per feature on average. 0 without customers."""
    if features.empty or scaler.empty:
        return 0.0
    ordered = scaler.sort_values("feature_index")
    at_fit = ordered["fit_scaled_mean"].astype(float).fillna(0.0).to_numpy()
    return float(np.mean(np.abs(transform_features(features, ordered).mean(axis=0) - at_fit)))


def decide_refit(
    mode: str,
    model_as_of,
    as_of,
    after_days: int,
    drift: float,
    drift_threshold: float,
    features_match: bool = True,
) -> str | None:
    """Why a new model version is fitted, or None to assign with the stored one.

    no_model: none stored (first build, new database, --full-refresh); features_changed:
    the stored scaler does not cover the clustering features of the vars (a stored
    model cannot score other features, whatever the mode); always; and, for
    when_stale only: as_of_before_model (as_of earlier than the stored fit, which saw
    later data), stale (fitted more than after_days before as_of), drift
    (feature_drift above drift_threshold). never keeps the stored model otherwise.
    """
    if mode not in REFIT_MODES:
        raise ValueError(f"cluster_refit must be one of {REFIT_MODES}, got {mode!r}")
    if model_as_of is None:
        return "no_model"
    if not features_match:
        return "features_changed"
    if mode == "always":
        return "always"
    if mode == "never" or as_of is None:
        return None
    if as_of < model_as_of:
        return "as_of_before_model"
    if (as_of - model_as_of).days > after_days:
        return "stale"
    if drift > drift_threshold:
        return "drift"
    return None


def cluster_lineage(
    old_assigned: np.ndarray, new_assigned: np.ndarray, old_ids: np.ndarray, new_ids: np.ndarray
) -> pd.DataFrame:
    """Old cluster id -> new id at a refit, from the same customers assigned by both models.

    One row per old id: new_cluster_id is the same id when the new model kept it, else
    None (the cluster vanished); kept_share = share of the old cluster's customers the
    new model puts in that id (0 when vanished); destination = the new id receiving the
    largest share of them (ties: lowest id). One row per new id never used before
    (old_cluster_id None)."""
    old_ids, new_ids = np.asarray(old_ids, dtype="int64"), np.asarray(new_ids, dtype="int64")
    moves = pd.DataFrame({"old": np.asarray(old_assigned, dtype="int64"), "new": np.asarray(new_assigned, dtype="int64")})
    counts = moves.groupby(["old", "new"]).size().rename("customers").reset_index()
    rows = []
    for old_id in np.sort(old_ids):
        own = counts[counts["old"] == old_id].sort_values(["customers", "new"], ascending=[False, True])
        total = int(own["customers"].sum())
        kept = old_id in new_ids
        kept_count = int(own.loc[own["new"] == old_id, "customers"].sum())
        rows.append(
            {"old_cluster_id": old_id, "new_cluster_id": old_id if kept else None, "n_fitted": total,
             "kept_share": kept_count / total if total else np.nan,
             "destination_cluster_id": own["new"].iloc[0] if total else None,
             "destination_share": own["customers"].iloc[0] / total if total else np.nan}
        )
    for new_id in np.sort(np.setdiff1d(new_ids, old_ids)):
        rows.append({"old_cluster_id": None, "new_cluster_id": new_id,
                     "n_fitted": int((moves["new"] == new_id).sum())})
    return pd.DataFrame(rows, columns=["old_cluster_id", "new_cluster_id", "n_fitted", "kept_share",
                                       "destination_cluster_id", "destination_share"])


@dataclass(frozen=True)
class StoredModel:
    """The current model version read back from this model's previous output."""

    version: int
    as_of: object
    highest_id_used: int
    records: pd.DataFrame
    scaler: pd.DataFrame
    projection: pd.DataFrame
    centroids: pd.DataFrame


def stored_model(previous: pd.DataFrame | None) -> "StoredModel | None":
    """The latest model version in the previous output, or None: no previous table, a
    table written before model versions existed, or no model row."""
    if previous is None or "model_version" not in previous.columns:
        return None
    models = previous[previous["record_type"] == "model"]
    if models.empty:
        return None
    latest = models.sort_values("model_version").iloc[-1]
    slices = {name: previous[previous["record_type"] == name].reset_index(drop=True) for name in MODEL_RECORD_TYPES}
    scaler = slices["scaler"].copy()
    scaler["category_value"] = scaler["category_value"].astype(object).where(scaler["category_value"].notna(), None)
    scaler["feature_index"] = scaler["feature_index"].astype("int64")
    projection = slices["projection"].copy()
    projection["dimension_index"] = projection["dimension_index"].astype("int64")
    as_of = pd.to_datetime(latest["as_of_date"]).date() if pd.notna(latest["as_of_date"]) else None
    return StoredModel(
        version=int(latest["model_version"]), as_of=as_of,
        highest_id_used=int(models["highest_cluster_id_used"].max()),
        # previous_output_sql() already keeps only these record types in the
        # warehouse; filtering again costs nothing (84 rows) and keeps this right for
        # a caller that passes the whole previous table
        records=previous[previous["record_type"].isin(MODEL_RECORD_TYPES)].reset_index(drop=True),
        scaler=scaler, projection=projection[projection["projection_kind"] == "clustering"],
        centroids=slices["centroid"][["cluster_id", "dimension", "centroid_value"]],
    )


def assign_with_stored(features: pd.DataFrame, stored: StoredModel) -> pd.DataFrame:
    """Every customer's nearest centroid under the stored scaler, projection and centroids."""
    dimensions = stored.projection.drop_duplicates("dimension_index").sort_values("dimension_index")["dimension"]
    wide = stored.centroids.pivot_table(index="cluster_id", columns="dimension", values="centroid_value")
    wide = wide.reindex(columns=dimensions.tolist())
    return assign_to_centroids(
        features, stored.scaler, stored.projection, wide.index.to_numpy(dtype="int64"), wide.to_numpy(dtype=float)
    )


def features_match(stored: StoredModel, config: ClusterConfig) -> bool:
    """The stored scaler encodes exactly the clustering features of the config."""
    stored_columns = set(stored.scaler["source_column"].dropna().astype(str))
    return stored_columns == set(config.numeric_features) | set(config.categorical_features)


def model_row(results: dict[str, pd.DataFrame], config: ClusterConfig, version: int, as_of,
              reason: str, drift: float, highest_id_used: int) -> pd.DataFrame:
    """The cluster_models row of a new version: the chosen candidate's scores."""
    selection = results["selection"]
    chosen = selection[selection["is_chosen"].astype(bool)]
    chosen = chosen.iloc[0] if len(chosen) else pd.Series(dtype=object)
    criterion = config.selection_criterion
    criterion_column = "inertia" if criterion == "elbow" else criterion
    k = int(results["centroid"]["cluster_id"].nunique())
    ids = results["centroid"]["cluster_id"]
    return pd.DataFrame([{
        "model_version": version, "as_of_date": None if as_of is None else str(as_of),
        "algorithm": config.production_algorithm, "k": k, "selection_criterion": criterion,
        "criterion_value": chosen.get(criterion_column, np.nan), "silhouette": chosen.get("silhouette", np.nan),
        "n_fitted": chosen.get("n_fitted", np.nan), "feature_drift": drift, "fit_reason": reason,
        "highest_cluster_id_used": max(highest_id_used, int(ids.max()) if len(ids) else -1),
    }])


def run_life_cycle(
    features: pd.DataFrame, config: ClusterConfig, previous: pd.DataFrame | None, as_of
) -> pd.DataFrame:
    """Fit a new model version or assign with the stored one (decide_refit), and return
    the records: the model, its history (model and lineage rows of every version) and
    the Python-side assignment of everyone in the population (a fit) or of the check
    sample (a reuse: assignment_check_sample). The drift is measured on everyone."""
    stored = stored_model(previous)
    # A model without clusters (fitted on no customers) cannot assign anyone: no model.
    usable = stored is not None and not stored.centroids.empty
    drift = feature_drift(features, stored.scaler) if usable and features_match(stored, config) else np.nan
    reason = decide_refit(
        config.refit, stored.as_of if usable else None, as_of, config.refit_after_days,
        0.0 if np.isnan(drift) else drift, config.refit_drift_threshold,
        not usable or features_match(stored, config),
    )
    if reason == "no_model" and stored is not None and features.empty:
        reason = None  # still nobody to fit on: keep the stored empty model, no new version
    if reason is None:
        checked = assignment_check_sample(features, config.sample_size, config.seed)
        kept = to_records({"assignment": assign_with_stored(checked, stored)})
        # both sides in the record types first: the stored rows come back from the
        # warehouse as objects, and pandas deprecates typing a stack from all-null
        # columns of different types (a FutureWarning on every nightly build). Two
        # typed frames stack into the same types, so the stack is not typed again
        # (one row per customer: a second pass cost a second at 1M).
        return pd.concat([typed_records(stored.records), kept], ignore_index=True)
    comparable = usable and reason != "features_changed"
    highest = -1 if stored is None else stored.highest_id_used
    results = fit_clusters(features, config, stored.centroids if comparable else None, highest)
    version = 1 if stored is None else stored.version + 1
    results["model"] = model_row(results, config, version, as_of, reason, drift, highest)
    if comparable:
        old = assign_with_stored(features, stored)
        new = results["assignment"].set_index("customer_id").loc[old["customer_id"], "cluster_id"].to_numpy()
        lineage = cluster_lineage(old["cluster_id"].to_numpy(), new, stored.centroids["cluster_id"].unique(),
                                  results["centroid"]["cluster_id"].unique())
        results["lineage"] = lineage.assign(model_version=version)
    history = [] if stored is None else [stored.records[stored.records["record_type"].isin(("model", "lineage"))]]
    return typed_records(pd.concat([*history, to_records(results)], ignore_index=True))


def previous_output_sql(this) -> str:
    """The query of this model's previous output: the stored model and its history,
    without the previous assignment rows (one per customer), which nothing reads."""
    record_types = ", ".join(f"'{name}'" for name in MODEL_RECORD_TYPES)
    return f"select * from {this} where record_type in ({record_types})"


def read_previous_output(dbt, session, full_refresh: bool) -> pd.DataFrame | None:
    """This model's previous output (the stored model and its history), or None on the
    first build and with --full-refresh."""
    if full_refresh:
        return None
    try:
        return to_pandas(session.sql(previous_output_sql(dbt.this)))
    except Exception:  # noqa: BLE001 - the table does not exist yet (first build, new schema)
        return None


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["numpy==2.4.6", "pandas==2.3.3", "scikit-learn==1.9.1", "scipy==1.17.1", "threadpoolctl==3.8.0"],
    )
    # dbt only passes meta keys that appear literally in dbt.config.meta_get("...") calls.
    config = config_from_settings(
        {
            "cluster_features": dbt.config.meta_get("cluster_features"),
            "cluster_log1p_features": dbt.config.meta_get("cluster_log1p_features"),
            "cluster_categorical_features": dbt.config.meta_get("cluster_categorical_features"),
            "cluster_impute": dbt.config.meta_get("cluster_impute"),
            "cluster_scaler": dbt.config.meta_get("cluster_scaler"),
            "cluster_pca_components": dbt.config.meta_get("cluster_pca_components"),
            "cluster_algorithms": dbt.config.meta_get("cluster_algorithms"),
            "cluster_agglomerative_linkages": dbt.config.meta_get("cluster_agglomerative_linkages"),
            "cluster_k_min": dbt.config.meta_get("cluster_k_min"),
            "cluster_k_max": dbt.config.meta_get("cluster_k_max"),
            "cluster_sample_size": dbt.config.meta_get("cluster_sample_size"),
            "cluster_metric_sample_size": dbt.config.meta_get("cluster_metric_sample_size"),
            "cluster_agglomerative_sample_size": dbt.config.meta_get("cluster_agglomerative_sample_size"),
            "cluster_random_seed": dbt.config.meta_get("cluster_random_seed"),
            "cluster_kmeans_n_init": dbt.config.meta_get("cluster_kmeans_n_init"),
            "cluster_minibatch_batch_size": dbt.config.meta_get("cluster_minibatch_batch_size"),
            "cluster_gmm_covariance_type": dbt.config.meta_get("cluster_gmm_covariance_type"),
            "cluster_selection_criterion": dbt.config.meta_get("cluster_selection_criterion"),
            "cluster_selection_fallback": dbt.config.meta_get("cluster_selection_fallback"),
            "cluster_min_share": dbt.config.meta_get("cluster_min_share"),
            "cluster_production_algorithm": dbt.config.meta_get("cluster_production_algorithm"),
            "cluster_bootstrap_rounds": dbt.config.meta_get("cluster_bootstrap_rounds"),
            "cluster_gap_references": dbt.config.meta_get("cluster_gap_references"),
            "cluster_dbscan_min_samples": dbt.config.meta_get("cluster_dbscan_min_samples"),
            "cluster_order_feature": dbt.config.meta_get("cluster_order_feature"),
            "cluster_refit": dbt.config.meta_get("cluster_refit"),
            "cluster_refit_after_days": dbt.config.meta_get("cluster_refit_after_days"),
            "cluster_refit_drift_threshold": dbt.config.meta_get("cluster_refit_drift_threshold"),
        }
    )
    features = read_columns(dbt.ref("int_customers__cluster_population"), [*input_columns(config), "as_of_date"])
    as_of = pd.to_datetime(features["as_of_date"]).max().date() if len(features) else None
    full_refresh = str(dbt.config.meta_get("cluster_full_refresh")).lower() == "true"
    previous = read_previous_output(dbt, session, full_refresh)
    return for_warehouse(run_life_cycle(features.drop(columns="as_of_date"), config, previous, as_of), session)
