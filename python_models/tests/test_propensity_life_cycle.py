"""The propensity model life cycle of python_models/clustering/propensity_fit.py:
decide_refit, and successive builds (run_life_cycle) each reading the previous one's
output, through DuckDB as the warehouse. End to end on dbt: segkit/tests/test_cluster_life_cycle.py."""

import datetime as dt

import numpy as np
import pandas as pd
import propensity_fit as pf
import pyarrow as pa
import pytest
from test_propensity_fit import Relation, settings_of, snapshots

AS_OF = dt.date(2026, 1, 1)


def on(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The snapshots with the scoring snapshot dated as_of (the labelled ones a horizon earlier)."""
    frame = frame.copy()
    frame["snapshot_date"] = np.where(frame["snapshot_name"] == "scoring", pd.Timestamp(as_of),
                                      pd.Timestamp(as_of - dt.timedelta(days=90)))
    return frame


class Warehouse:
    """A DuckDB database holding the model's output between builds, read back as
    model() reads it (read_previous_output over session.sql)."""

    def __init__(self) -> None:
        duckdb = pytest.importorskip("duckdb")
        self.connection = duckdb.connect()

    def build(self, frame: pd.DataFrame, full_refresh: bool = False, n_estimators: int = 10, **life_cycle) -> pd.DataFrame:
        previous = pf.read_previous_output(self.connection, "propensity_fit", full_refresh)
        settings = settings_of("random_forest", n_estimators, 3, 1, **life_cycle)
        records = pf.run_life_cycle(Relation(frame), settings, previous)
        self.connection.register("records", records)
        self.connection.execute("create or replace table propensity_fit as select * from records")
        self.connection.unregister("records")
        return self.connection.execute("select * from propensity_fit").df()


def of_type(records: pd.DataFrame, record_type: str) -> pd.DataFrame:
    keys = ["model_version", "customer_id", "name", "evaluation", "probability_bin", "tree_index", "node_index"]
    return records[records["record_type"] == record_type].sort_values(keys, ignore_index=True)


def models(records: pd.DataFrame) -> list[tuple[int, str]]:
    rows = of_type(records, "model")
    return list(zip(rows["model_version"].astype(int), rows["fit_reason"]))


@pytest.mark.parametrize(
    ("mode", "stored", "model_as_of", "as_of", "settings_match", "expected"),
    [
        ("when_stale", False, None, AS_OF, True, "no_model"),
        ("never", False, None, AS_OF, True, "no_model"),
        ("never", True, AS_OF, AS_OF, False, "settings_changed"),
        ("always", True, AS_OF, AS_OF, True, "always"),
        ("when_stale", True, AS_OF, AS_OF + dt.timedelta(days=30), True, None),
        ("when_stale", True, AS_OF, AS_OF + dt.timedelta(days=31), True, "stale"),
        ("never", True, AS_OF, AS_OF + dt.timedelta(days=400), True, None),
        ("when_stale", True, AS_OF, AS_OF - dt.timedelta(days=1), True, "as_of_before_model"),
        ("never", True, AS_OF, AS_OF - dt.timedelta(days=1), True, "as_of_before_model"),
        ("when_stale", True, None, AS_OF, True, "no_model"),
        ("when_stale", True, AS_OF, None, True, None),
        ("when_stale", True, None, None, True, None),
    ],
)
def test_decide_refit(mode, stored, model_as_of, as_of, settings_match, expected):
    assert pf.decide_refit(mode, stored, model_as_of, as_of, 30, settings_match) == expected


def test_unknown_refit_mode_is_rejected():
    with pytest.raises(ValueError, match="propensity_refit must be one of"):
        pf.decide_refit("weekly", True, AS_OF, AS_OF, 30, True)


def test_a_reuse_scores_with_the_stored_trees_and_keeps_the_model():
    """Build 1 fits version 1; build 2, a day later on changed features, scores with the
    stored trees (read back from the warehouse): the model, trees and diagnostics are
    re-emitted unchanged, the scores are the stored classifier's on today's features."""
    warehouse = Warehouse()
    first_frame = on(snapshots(300, 1), AS_OF)
    first = warehouse.build(first_frame)
    assert models(first) == [(1, "no_model")]
    assert of_type(first, "model")["snapshot_date"].dt.date.tolist() == [AS_OF]
    later = on(snapshots(300, 2), AS_OF + dt.timedelta(days=1))  # other features, other labels
    second = warehouse.build(later)
    for record_type in ("model", "tree_node", "metric", "importance", "calibration"):
        pd.testing.assert_frame_equal(of_type(second, record_type), of_type(first, record_type), obj=record_type)
    scores = of_type(second, "score")
    assert set(scores["model_version"]) == {1}
    assert (scores["snapshot_date"].dt.date == AS_OF + dt.timedelta(days=1)).all()
    refit = pf.fit_propensity(first_frame, "random_forest", 10, 3, 1)
    scoring = later[later["snapshot_name"] == "scoring"].sort_values("customer_id")
    expected = refit.classifier.predict_proba(pf.feature_matrix(scoring, refit.columns))[:, 1]
    np.testing.assert_array_equal(scores["value"].to_numpy(), expected)
    # the scores moved with the features: not a copy of the first build's
    assert not np.array_equal(scores["value"].to_numpy(), of_type(first, "score")["value"].to_numpy())


def test_refits_keep_the_history_and_only_the_current_trees():
    warehouse = Warehouse()
    frame = snapshots(300, 1)
    warehouse.build(on(frame, AS_OF))
    warehouse.build(on(frame, AS_OF + dt.timedelta(days=1)), refit="always")
    stale = warehouse.build(on(frame, AS_OF + dt.timedelta(days=32)))
    assert models(stale) == [(1, "no_model"), (2, "always"), (3, "stale")]
    for record_type in ("tree_node", "metric", "importance", "calibration", "score"):
        assert set(of_type(stale, record_type)["model_version"]) == {3}, record_type
    earlier = warehouse.build(on(frame, AS_OF), refit="never")
    assert models(earlier)[-1] == (4, "as_of_before_model")
    changed = warehouse.build(on(frame, AS_OF), n_estimators=12)
    assert models(changed)[-1] == (5, "settings_changed")
    assert of_type(changed, "tree_node")["tree_index"].nunique() == 12
    assert models(warehouse.build(on(frame, AS_OF), full_refresh=True)) == [(1, "no_model")]


def test_new_features_refit_whatever_the_mode():
    warehouse = Warehouse()
    frame = on(snapshots(300, 1), AS_OF)
    warehouse.build(frame)
    widened = warehouse.build(frame.assign(visits_30d=1.0), refit="never")
    assert models(widened)[-1] == (2, "settings_changed")
    assert "visits_30d" in pf.settings_features(of_type(widened, "model")["settings"].iloc[-1])


def test_a_table_from_before_model_versions_is_no_model():
    previous = pd.DataFrame({"record_type": ["metric"], "name": ["cv_roc_auc_mean"], "value": [0.8]})
    assert pf.stored_model(previous) is None
    records = pf.run_life_cycle(Relation(on(snapshots(100, 1), AS_OF)), settings_of("random_forest", 5, 3, 1), previous)
    assert models(records.to_pandas()) == [(1, "no_model")]


def test_a_model_fitted_on_nobody_is_kept_until_there_are_customers():
    warehouse = Warehouse()
    empty = on(snapshots(5, 1), AS_OF).head(0)
    assert models(warehouse.build(empty)) == [(1, "no_model")]
    assert models(warehouse.build(empty)) == [(1, "no_model")]
    refit = warehouse.build(on(snapshots(200, 1), AS_OF))
    assert models(refit) == [(1, "no_model"), (2, "no_model")]
    assert of_type(refit, "score")["value"].nunique() > 10


def test_records_read_back_as_snowflake_returns_them_keep_their_types():
    """Snowflake hands integers back as decimals or floats, dates as dates, columns
    upper case (lower-cased by to_pandas): the stored model reads the same."""
    records = pf.run_life_cycle(Relation(on(snapshots(200, 1), AS_OF)), settings_of("random_forest", 5, 3, 1), None)
    frame = records.to_pandas()
    frame = frame[frame["record_type"] != "score"]
    as_snowflake = frame.astype({"model_version": float, "tree_index": object, "left_child": float})
    as_snowflake["snapshot_date"] = as_snowflake["snapshot_date"].dt.date
    stored = pf.stored_model(as_snowflake)
    assert stored.version == 1 and stored.as_of == AS_OF
    assert stored.records.schema == pf.RECORD_SCHEMA
    assert stored.records.to_pandas().equals(pf.records_from_frame(frame.reset_index(drop=True)).to_pandas())


def test_for_snowpark_integer_columns_hold_ints_or_none():
    records = pf.run_life_cycle(Relation(on(snapshots(100, 1), AS_OF)), settings_of("random_forest", 5, 3, 1), None)

    class Session:
        def create_dataframe(self, frame):
            return frame

    frame = pf.for_warehouse(records, Session())
    versions = frame["MODEL_VERSION"].tolist()
    assert all(isinstance(version, int) for version in versions)
    nodes = frame["TREE_INDEX"]
    assert all(value is None or isinstance(value, int) for value in nodes)
    assert nodes.isna().any() and nodes.notna().any()
    assert isinstance(records, pa.Table)
