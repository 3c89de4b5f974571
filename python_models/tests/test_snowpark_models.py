"""The Python models' model(dbt, session) on a Snowpark local-testing session.

On Snowflake dbt runs each Python model as a stored procedure: dbt.ref() returns a
Snowpark DataFrame and the returned pandas frame is written with write_pandas. These
tests call model() the same way, without an account: a tiny stand-in `dbt` whose
ref() returns session.create_dataframe(<pandas frame with Snowflake's upper-case
column names>) and whose config.meta_get() returns values rendered as dbt renders vars
(their repr). They check what only the Snowflake path exercises: reading Snowpark
frames, upper-case output names, and an output Snowpark can take back as a table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cluster_fit
import propensity_fit

snowpark = pytest.importorskip("snowflake.snowpark")

N_CUSTOMERS = 240
PLANTED_CLUSTERS = 3


class StandInConfig:
    def __init__(self, values: dict[str, object]) -> None:
        self._values = values

    def __call__(self, **_: object) -> None:
        return None

    def get(self, key: str, default: object = None) -> object:
        return self._values.get(key, default)

    def meta_get(self, key: str, default: object = None) -> object:
        return self._values.get(key, default)


class StandInDbt:
    """dbt as a Python model sees it: ref(), config.get() and config.meta_get() (the
    models' settings live in config.meta), this."""

    def __init__(self, session, refs: dict[str, pd.DataFrame], config: dict[str, object]) -> None:
        self._session = session
        self._refs = refs
        self.config = StandInConfig(config)
        self.this = "SEGMENTATION.ANALYTICS_INTERMEDIATE.MODEL_UNDER_TEST"

    def ref(self, name: str):
        return self._session.create_dataframe(self._refs[name])


@pytest.fixture(scope="module")
def session():
    local = snowpark.Session.builder.config("local_testing", True).create()
    yield local
    local.close()


def snowflake_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Snowflake returns unquoted identifiers upper-case."""
    return frame.rename(columns=str.upper)


def customer_features(seed: int = 3) -> pd.DataFrame:
    """The clustering population (buyers): three planted groups (lapsed small,
    regular, frequent big spenders)."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(PLANTED_CLUSTERS), N_CUSTOMERS // PLANTED_CLUSTERS)
    count_orders = np.array([1, 6, 20])[group] + rng.integers(0, 2, size=len(group))
    avg_order_value = np.array([20.0, 60.0, 150.0])[group] * rng.uniform(0.9, 1.1, size=len(group))
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(len(group))],
            "as_of_date": pd.Timestamp("2026-06-30"),
            "days_since_last_order": np.array([300, 40, 5])[group]
            + rng.integers(0, 5, size=len(group)),
            "count_orders": count_orders,
            "total_revenue": count_orders * avg_order_value,
            "avg_order_value": avg_order_value,
        }
    )


def cluster_config() -> dict[str, object]:
    features = ["days_since_last_order", "count_orders", "total_revenue", "avg_order_value"]
    return {
        "cluster_features": repr(features),
        "cluster_log1p_features": repr(features),
        "cluster_categorical_features": "[]",
        "cluster_impute": repr({"days_since_last_order": "max"}),
        "cluster_scaler": "standard",
        "cluster_pca_components": "0",
        "cluster_algorithms": "['kmeans']",
        "cluster_agglomerative_linkages": "['ward']",
        "cluster_k_min": "2",
        "cluster_k_max": "4",
        "cluster_sample_size": "1000",
        "cluster_metric_sample_size": "200",
        "cluster_agglomerative_sample_size": "200",
        "cluster_random_seed": "42",
        "cluster_kmeans_n_init": "2",
        "cluster_minibatch_batch_size": "64",
        "cluster_gmm_covariance_type": "full",
        "cluster_selection_criterion": "silhouette",
        "cluster_selection_fallback": "elbow",
        "cluster_min_share": "0.05",
        "cluster_production_algorithm": "kmeans",
        "cluster_bootstrap_rounds": "2",
        "cluster_gap_references": "0",
        "cluster_dbscan_min_samples": "5",
        "cluster_order_feature": "total_revenue",
        "cluster_refit": "when_stale",
        "cluster_refit_after_days": "90",
        "cluster_refit_drift_threshold": "0.25",
        "cluster_full_refresh": "False",
    }


def propensity_features(seed: int = 4) -> pd.DataFrame:
    """A training and a scoring snapshot; the target follows past revenue."""
    rng = np.random.default_rng(seed)
    frames = []
    for snapshot_name, snapshot_date in [("training", "2026-01-01"), ("scoring", "2026-04-01")]:
        revenue = rng.gamma(2.0, 100.0, size=N_CUSTOMERS)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{i:05d}" for i in range(N_CUSTOMERS)],
                    "snapshot_name": snapshot_name,
                    "snapshot_date": pd.Timestamp(snapshot_date).date(),
                    "count_orders_90d": rng.poisson(revenue / 100.0),
                    "revenue_90d": revenue,
                    "days_since_last_order": np.where(
                        revenue > 150, rng.integers(0, 60, N_CUSTOMERS), np.nan
                    ),
                    "future_revenue": revenue * rng.uniform(0.5, 1.5, size=N_CUSTOMERS),
                    "is_target": revenue > np.quantile(revenue, 0.8),
                    # int_customers__propensity_features ranks the labelled rows only
                    "training_sample_rank": (
                        rng.permutation(N_CUSTOMERS) + 1.0 if snapshot_name == "training" else np.nan
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def propensity_config() -> dict[str, object]:
    return {
        "propensity_classifier": "random_forest",
        "propensity_n_estimators": "20",
        "propensity_cv_folds": "3",
        "propensity_training_sample_size": "200",
        "propensity_horizon_days": "90",
        "propensity_top_share": "0.1",
        "propensity_refit": "when_stale",
        "propensity_refit_after_days": "30",
        "cluster_random_seed": "42",
        "propensity_full_refresh": "False",
    }


def assert_writable_by_snowpark(session, frame: pd.DataFrame) -> None:
    """Upper-case names (unquoted in SQL) and values Snowpark can turn into a table."""
    assert list(frame.columns) == [column.upper() for column in frame.columns]
    assert session.create_dataframe(frame).count() == len(frame)


def test_cluster_fit_model_reads_snowpark_and_returns_one_assignment_per_customer(session):
    features = customer_features()
    dbt = StandInDbt(session, {"int_customers__cluster_population": snowflake_columns(features)}, cluster_config())
    result = cluster_fit.model(dbt, session)
    assert_writable_by_snowpark(session, result)
    assignment = result[result["RECORD_TYPE"] == "assignment"]
    assert sorted(assignment["CUSTOMER_ID"]) == sorted(features["customer_id"])
    chosen = result[(result["RECORD_TYPE"] == "selection") & (result["IS_CHOSEN"] == 1)]
    assert chosen["K"].tolist() == [PLANTED_CLUSTERS]
    assert assignment["CLUSTER_ID"].nunique() == PLANTED_CLUSTERS


def test_cluster_fit_model_first_build_without_previous_centroids(session):
    """Session.sql is not available locally, as when the table does not exist yet:
    the model must fall back to a first build instead of failing."""
    dbt = StandInDbt(
        session, {"int_customers__cluster_population": snowflake_columns(customer_features())}, cluster_config()
    )
    assert cluster_fit.read_previous_output(dbt, session, full_refresh=False) is None


def test_propensity_fit_model_scores_every_scoring_customer(session):
    features = propensity_features()
    dbt = StandInDbt(
        session,
        {"int_customers__propensity_features": snowflake_columns(features)},
        propensity_config(),
    )
    result = propensity_fit.model(dbt, session)
    assert_writable_by_snowpark(session, result)
    scores = result[result["RECORD_TYPE"] == "score"]
    scoring_ids = features.loc[features["snapshot_name"] == "scoring", "customer_id"]
    assert sorted(scores["CUSTOMER_ID"]) == sorted(scoring_ids)
    assert scores["VALUE"].between(0, 1).all()
    metrics = result[result["RECORD_TYPE"] == "metric"].set_index("NAME")["VALUE"]
    assert metrics["cv_roc_auc_mean"] > 0.8
    # Snowpark's filter kept the sample (ranks up to 200 of 240), not every training row.
    assert metrics["training_customers"] == 200


def test_propensity_fit_model_reuses_the_model_it_wrote_to_snowflake(session):
    """The second build reads the first one's output back as Snowflake returns it
    (upper-case columns, Snowpark's types) and scores with the stored trees: the same
    version, model rows and scores. Session.sql cannot run locally, so the stand-in
    session answers the model's query with the stored rows."""
    features = snowflake_columns(propensity_features())
    first = propensity_fit.model(StandInDbt(session, {"int_customers__propensity_features": features},
                                            propensity_config()), session)
    stored = session.create_dataframe(first[first["RECORD_TYPE"] != "score"].reset_index(drop=True))

    class Warehouse:
        def __init__(self) -> None:
            self.queries = []

        def sql(self, query: str):
            self.queries.append(query)
            return stored

        def create_dataframe(self, frame):
            return session.create_dataframe(frame)

    warehouse = Warehouse()
    dbt = StandInDbt(session, {"int_customers__propensity_features": features}, propensity_config())
    second = propensity_fit.model(dbt, warehouse)
    assert warehouse.queries == [propensity_fit.previous_output_sql(dbt.this)]
    assert_writable_by_snowpark(session, second)

    def rows(result, record_type):
        part = result[result["RECORD_TYPE"] == record_type].drop(columns="SNAPSHOT_DATE")
        return part.sort_values([column for column in part.columns if part[column].notna().any()], ignore_index=True)

    assert rows(second, "model")["MODEL_VERSION"].tolist() == [1]
    assert rows(second, "model")["FIT_REASON"].tolist() == ["no_model"]
    for record_type in ("score", "tree_node", "metric"):
        first_rows, second_rows = rows(first, record_type), rows(second, record_type)
        assert len(second_rows) > 0
        pd.testing.assert_frame_equal(second_rows.astype(str), first_rows.astype(str), obj=record_type)


@pytest.mark.parametrize("n_customers", [0, 2])
def test_both_models_return_writable_frames_for_empty_and_tiny_inputs(session, n_customers):
    """Snowpark's create_dataframe rejects pandas' NA and datetime64 columns: the
    Snowflake path hands back objects, also when there is nothing to fit. (An empty
    Snowpark frame cannot be built locally from pandas, so 0 rows feed model() a
    stand-in relation with to_pandas().)"""
    features = customer_features().head(n_customers)
    snapshots = propensity_features().groupby("snapshot_name").head(n_customers)

    class Relation:
        def __init__(self, frame: pd.DataFrame) -> None:
            self._frame = frame

        def to_pandas(self) -> pd.DataFrame:
            return self._frame

    class LocalDbt(StandInDbt):
        def ref(self, name: str):
            frame = self._refs[name]
            return self._session.create_dataframe(frame) if len(frame) else Relation(frame)

    clusters = cluster_fit.model(
        LocalDbt(session, {"int_customers__cluster_population": snowflake_columns(features)}, cluster_config()), session
    )
    scores = propensity_fit.model(
        LocalDbt(session, {"int_customers__propensity_features": snowflake_columns(snapshots)},
                 propensity_config()),
        session,
    )
    for result in (clusters, scores):
        assert list(result.columns) == [column.upper() for column in result.columns]
        assert not any(str(dtype) in ("string", "datetime64[us]", "datetime64[ns]") for dtype in result.dtypes)
    assert_writable_by_snowpark(session, clusters)
    assert_writable_by_snowpark(session, scores)
    chosen = clusters[(clusters["RECORD_TYPE"] == "selection") & (clusters["IS_CHOSEN"] == 1)]
    assert chosen["SELECTION_REASON"].iloc[0].startswith("skipped:")
