"""Public: one cluster per customer, fitted inside the warehouse.

Foundation version: K-Means on log1p-transformed, standardised RFM features with k
chosen by silhouette over the configured range. The pure functions below are what
pytest exercises; ``model`` only moves data in and out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler


def to_pandas(relation) -> pd.DataFrame:
    """Turn a dbt relation into pandas on either engine, with lower-case columns.

    DuckDB relations have ``.df()``; Snowpark DataFrames have ``.to_pandas()`` and
    upper-case column names.
    """
    frame = relation.to_pandas() if hasattr(relation, "to_pandas") else relation.df()
    frame.columns = [str(column).lower() for column in frame.columns]
    return frame


def prepare_matrix(features: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """log1p the non-negative money/count/recency columns, fill gaps, standardise.

    Customers without orders have no recency: they get the largest observed
    recency, i.e. they are treated as the least recent buyers.
    """
    frame = features[columns].astype(float)
    frame = frame.fillna(frame.max()).fillna(0.0)
    return StandardScaler().fit_transform(np.log1p(frame.clip(lower=0.0)))


def choose_k_by_silhouette(
    matrix: np.ndarray, k_values: range, sample_size: int, seed: int
) -> tuple[int, dict[int, float]]:
    """Fit K-Means for each k and keep the one with the best silhouette (on a sample)."""
    scores: dict[int, float] = {}
    for k in k_values:
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(matrix)
        if len(set(labels)) < 2:
            continue
        scores[k] = float(
            silhouette_score(
                matrix, labels, sample_size=min(sample_size, len(matrix)), random_state=seed
            )
        )
    best_k = max(scores, key=lambda k: (scores[k], -k))
    return best_k, scores


def assign_clusters(
    features: pd.DataFrame, columns: list[str], k_min: int, k_max: int, sample_size: int, seed: int
) -> pd.DataFrame:
    """Cluster every customer; cluster ids are ordered by mean total revenue (0 = lowest)."""
    matrix = prepare_matrix(features, columns)
    n_customers = len(features)
    k_values = range(k_min, max(k_min, min(k_max, n_customers - 1)) + 1)
    best_k, scores = choose_k_by_silhouette(matrix, k_values, sample_size, seed)
    labels = KMeans(n_clusters=best_k, n_init=10, random_state=seed).fit_predict(matrix)
    order = (
        pd.Series(features["total_revenue"].astype(float).to_numpy())
        .groupby(labels)
        .mean()
        .sort_values(kind="stable")
        .index
    )
    relabel = np.empty(best_k, dtype="int64")
    relabel[order.to_numpy()] = np.arange(best_k)
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "as_of_date": features["as_of_date"].to_numpy(),
            "cluster_id": relabel[labels],
            "cluster_count": np.full(n_customers, best_k, dtype="int64"),
            "silhouette": np.full(n_customers, scores[best_k], dtype="float64"),
        }
    )


def model(dbt, session):
    dbt.config(
        materialized="table",
        packages=["numpy", "pandas", "scikit-learn"],
    )
    features = to_pandas(dbt.ref("customer_features"))
    return assign_clusters(
        features,
        columns=list(dbt.config.get("cluster_features")),
        k_min=int(dbt.config.get("cluster_k_min")),
        k_max=int(dbt.config.get("cluster_k_max")),
        sample_size=int(dbt.config.get("cluster_sample_size")),
        seed=int(dbt.config.get("cluster_random_seed")),
    )
