"""The cluster model life cycle end to end: successive dbt builds on one database.

Build 1 fits model version 1 (k forced to 3); build 2, one day later with the
default cluster_refit=when_stale, only assigns (same version, parameter tables
unchanged); build 3 (cluster_refit=always, k forced to 2) fits version 2, keeps the
matched ids, records the lineage and warns that a cluster vanished; build 4, 91 days
after the fit, refits because the model is stale and gives the returning cluster an
id never used before. Pure functions: python_models/tests/test_cluster_life_cycle.py.

The propensity model rides the same builds (var propensity_refit): build 1 fits
version 1, build 2 scores with the stored trees (same version, same diagnostics, new
scores), build 3 (propensity_refit=always) fits version 2, build 4 refits because
version 2 is older than propensity_refit_after_days (30). Pure functions:
python_models/tests/test_propensity_life_cycle.py.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segkit.tests.faults.harness import clean_tables, dbt_build, write_raw

PARAMETER_TABLES = ("cluster_scaler_params", "cluster_projection_params", "cluster_centroids", "cluster_model_selection")
MODELS = "select * from marts.cluster_models order by model_version"
LINEAGE = "select * from marts.cluster_lineage order by model_version, lineage_step"
VANISHED_WARNING = "WARN 1 assert_no_cluster_vanished_at_last_refit"


def snapshot(build) -> dict[str, pd.DataFrame]:
    tables = {name: build.frame(f"select * from marts.{name} order by all") for name in PARAMETER_TABLES}
    tables["models"] = build.frame(MODELS)
    tables["lineage"] = build.frame(LINEAGE)
    tables["clusters"] = build.frame("select * from marts.customer_clusters order by customer_id")
    tables["propensity_models"] = build.frame("select * from marts.propensity_models order by model_version")
    tables["propensity_diagnostics"] = build.frame("select * from marts.propensity_model_diagnostics order by all")
    tables["propensity_scores"] = build.frame("select * from marts.customer_propensity_scores order by customer_id")
    return tables


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("life_cycle")
    raw = write_raw(folder / "raw", clean_tables())
    db = folder / "db"
    runs = []
    first = dbt_build(db, raw, dbt_vars={"cluster_k_min": 3, "cluster_k_max": 3})
    runs.append((first, snapshot(first)))
    fitted_on = runs[0][1]["models"]["fitted_as_of_date"].iloc[0]
    fitted_on = fitted_on.date() if hasattr(fitted_on, "date") else fitted_on
    plans = [
        {"as_of": str(fitted_on + dt.timedelta(days=1)), "cluster_k_min": 3, "cluster_k_max": 3},
        {"as_of": str(fitted_on + dt.timedelta(days=1)), "cluster_refit": "always", "propensity_refit": "always",
         "cluster_k_min": 2, "cluster_k_max": 2},
        {"as_of": str(fitted_on + dt.timedelta(days=92)), "cluster_k_min": 3, "cluster_k_max": 3},
    ]
    for dbt_vars in plans:
        build = dbt_build(db, raw, dbt_vars=dbt_vars)
        runs.append((build, snapshot(build)))
    return runs


def test_every_build_passes(builds):
    for build, _ in builds:
        assert build.ok, build.failures()


def test_first_build_fits_version_1(builds):
    models = builds[0][1]["models"]
    assert models["model_version"].tolist() == [1]
    assert models["fit_reason"].tolist() == ["no_model"]
    assert models["cluster_count"].tolist() == [3]
    assert builds[0][1]["lineage"].empty
    assert set(builds[0][1]["clusters"]["model_version"]) == {1}


def test_next_day_only_assigns_with_the_stored_model(builds):
    (_, first), (_, second) = builds[0], builds[1]
    for name in (*PARAMETER_TABLES, "models", "lineage"):
        pd.testing.assert_frame_equal(second[name], first[name], obj=name)
    assert set(second["clusters"]["model_version"]) == {1}
    assert (second["clusters"]["as_of_date"] > first["clusters"]["as_of_date"]).all()


def test_refit_keeps_matched_ids_and_warns_of_the_vanished_cluster(builds):
    build, third = builds[2]
    models = third["models"]
    assert models["model_version"].tolist() == [1, 2]
    assert models["fit_reason"].tolist() == ["no_model", "always"]
    assert set(third["clusters"]["model_version"]) == {2}
    lineage = third["lineage"]
    assert (lineage["model_version"] == 2).all()
    kept = lineage[~lineage["is_vanished"] & ~lineage["is_new"]]
    assert len(kept) == 2 and (kept["previous_cluster_id"] == kept["cluster_id"]).all()
    vanished = lineage[lineage["is_vanished"]]
    assert len(vanished) == 1 and vanished["kept_share"].tolist() == [0]
    assert set(third["cluster_centroids"]["cluster_id"]) == set(kept["cluster_id"])
    assert VANISHED_WARNING in " ".join(build.output.split())


def test_stale_model_refits_with_an_id_never_used_before(builds):
    build, fourth = builds[3]
    models = fourth["models"]
    assert models["model_version"].tolist() == [1, 2, 3]
    assert models["fit_reason"].tolist()[-1] == "stale"
    new = fourth["lineage"].query("model_version == 3 and is_new")
    assert len(new) == 1 and new["cluster_id"].iloc[0] == 3  # ids 0, 1 and 2 were used by version 1
    assert models["highest_cluster_id_used"].tolist() == [2, 2, 3]
    assert VANISHED_WARNING not in " ".join(build.output.split())


def propensity_fits(tables) -> list[tuple[int, str]]:
    models = tables["propensity_models"]
    return list(zip(models["model_version"], models["fit_reason"]))


def test_propensity_model_is_fitted_reused_and_refitted(builds):
    (_, first), (_, second), (_, third), (_, fourth) = builds
    assert propensity_fits(first) == [(1, "no_model")]
    # next day, when_stale: the stored trees score today's features
    pd.testing.assert_frame_equal(second["propensity_models"], first["propensity_models"])
    pd.testing.assert_frame_equal(second["propensity_diagnostics"], first["propensity_diagnostics"])
    assert set(second["propensity_scores"]["model_version"]) == {1}
    assert (second["propensity_scores"]["as_of_date"] > first["propensity_scores"]["as_of_date"]).all()
    assert propensity_fits(third) == [(1, "no_model"), (2, "always")]
    assert third["propensity_models"]["is_current"].tolist() == [False, True]
    assert set(third["propensity_scores"]["model_version"]) == {2}
    assert propensity_fits(fourth)[-1] == (3, "stale")
    assert set(fourth["propensity_scores"]["model_version"]) == {3}
