"""Which tables the soak compares, and on which key, read from dbt's manifest.json."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

# Marts a from-scratch build cannot reproduce, with the reason written into the results.
EXCLUDED_TABLES: dict[str, str] = {
    "segment_drift": (
        "compares each as_of_date with the previous stored one; a from-scratch build holds "
        "one as_of_date and so no previous one. Its inputs (segment_membership_history and "
        "segment_feature_history at D, and at D-1 on the night before) are compared every night, "
        "and the table itself with a --full-refresh of the history marts on a copy of the "
        "nightly database (reference history_refresh)."
    ),
    "segment_history": (
        "entries and exits versus the previous stored as_of_date: same reason as "
        "segment_drift (a from-scratch build has no row at all). Its input "
        "segment_membership_history is compared every night, and the table itself with a "
        "--full-refresh of the history marts on a copy of the nightly database (reference "
        "history_refresh)."
    ),
    "int_segments__drift_distances": (
        "the distances behind segment_drift, kept incrementally per stored as_of_date: "
        "same reason as segment_drift. Compared every night with a --full-refresh of "
        "the history marts on a copy of the nightly database (reference history_refresh)."
    ),
    "int_segments__offer_first_assignments": (
        "the first as_of date that assigned each customer each offer, kept incrementally "
        "from the stored segment_offer_history: a from-scratch build holds one as_of_date, "
        "so every first assignment is on it. Compared every night with a --full-refresh "
        "from the whole stored history on a copy of the nightly database (reference "
        "history_refresh)."
    ),
    "segment_experiment_results": (
        "read-outs of cohorts first assigned on earlier stored as_of dates "
        "(int_segments__offer_first_assignments): a from-scratch build holds one as_of_date, "
        "so no cohort whose window has ended. Compared every night with a rebuild from the "
        "first assignments recomputed from the whole stored history (reference "
        "history_refresh); the statistics are proved by unit tests and "
        "segkit/tests/test_experiments.py."
    ),
    "cluster_models": (
        "one row per cluster model version fitted in this database: the nightly database "
        "holds one per night (the soak builds with cluster_refit=always), a from-scratch "
        "build only its own. The current model's parameters are compared every night "
        "(cluster_scaler_params, cluster_projection_params, cluster_centroids)."
    ),
    "propensity_models": (
        "one row per propensity model version fitted in this database: the nightly database "
        "holds one per night (the soak builds with propensity_refit=always), a from-scratch "
        "build only its own. The current model's scores and diagnostics are compared every "
        "night (customer_propensity_scores, propensity_model_diagnostics, "
        "propensity_calibration)."
    ),
    "cluster_lineage": (
        "old cluster id -> new id at each refit: a from-scratch build has no previous "
        "model, so no row; same reason as cluster_models."
    ),
}

# Marts computed from the stored histories, incrementally per as_of_date: a build from
# scratch cannot reproduce them (above), so the reference "history_refresh" rebuilds
# them with --full-refresh on a copy of the nightly database, from the same histories,
# and compares every date (docs/segments.md "History marts").
HISTORY_MARTS: tuple[str, ...] = (
    "segment_history",
    "int_segments__drift_distances",
    "segment_drift",
    "int_segments__offer_first_assignments",
    "segment_experiment_results",
)

# Tests whose arguments name a table's key (tests/generic/expect_compound_columns_to_be_unique.sql).
KEY_TESTS: dict[str, str] = {
    "unique": "column_name",
    "expect_compound_columns_to_be_unique": "column_list",
}


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: str
    identifier: str
    materialized: str
    key: tuple[str, ...] | None


def key_columns(manifest: Mapping, unique_id: str) -> tuple[str, ...] | None:
    """The smallest key a uniqueness test on the model declares (fewest columns, then
    by name), or None. A test with a ``where`` config proves a key of a subset only.
    A ``row_condition`` argument counts: the history marts' key tests check the as_of
    date the run wrote (docs/segments.md "History marts"), the date the references are
    compared on, and the keyed comparison counts a key repeated on either side as a
    difference, on every date it compares."""
    keys = []
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test" or node.get("attached_node") != unique_id:
            continue
        metadata = node.get("test_metadata") or {}
        argument = KEY_TESTS.get(metadata.get("name", ""))
        if argument is None or (node.get("config") or {}).get("where"):
            continue
        columns = metadata.get("kwargs", {}).get(argument)
        if columns:
            keys.append((columns,) if isinstance(columns, str) else tuple(columns))
    return min(keys, key=lambda key: (len(key), key)) if keys else None


def compared_tables(
    manifest: Mapping, excluded: Mapping[str, str] = EXCLUDED_TABLES
) -> list[TableSpec]:
    """Every table or incremental model under models/marts, and every incremental model
    anywhere, minus the written exclusions. Views and ephemeral models hold no state."""
    specs = []
    for unique_id, node in manifest["nodes"].items():
        if node.get("resource_type") != "model":
            continue
        materialized = node["config"]["materialized"]
        in_marts = "marts" in node["fqn"] and materialized in ("table", "incremental")
        if not (in_marts or materialized == "incremental") or node["name"] in excluded:
            continue
        specs.append(
            TableSpec(
                name=node["name"],
                schema=node["schema"],
                identifier=node.get("alias") or node["name"],
                materialized=materialized,
                key=key_columns(manifest, unique_id),
            )
        )
    return sorted(specs, key=lambda spec: spec.name)


def model_relation(manifest: Mapping, name: str) -> tuple[str, str] | None:
    """(schema, identifier) of the model called ``name``, if the project has it."""
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model" and node["name"] == name:
            return node["schema"], node.get("alias") or node["name"]
    return None


def history_tables(manifest: Mapping, names: tuple[str, ...] = HISTORY_MARTS) -> list[TableSpec]:
    """The history marts (``names``) the project has, as compared tables."""
    return [spec for spec in compared_tables(manifest, excluded={}) if spec.name in names]


# Public marts the publication leaves out (mirrors var publish_exclude_models).
UNPUBLISHED_MARTS: tuple[str, ...] = ("metricflow_time_spine",)
PUBLISHED_SCHEMA = "main"


def published_tables(
    manifest: Mapping, unpublished: tuple[str, ...] = UNPUBLISHED_MARTS
) -> list[tuple[TableSpec, TableSpec]]:
    """Every model under models/marts the publication copies (docs/bi.md), as pairs:
    the mart in the build database, and the table of its name in the published
    file's main schema (the same key)."""
    pairs = []
    for unique_id, node in manifest["nodes"].items():
        if node.get("resource_type") != "model" or node["fqn"][1:2] != ["marts"]:
            continue
        if node["name"] in unpublished:
            continue
        built = TableSpec(
            name=node["name"],
            schema=node["schema"],
            identifier=node.get("alias") or node["name"],
            materialized=node["config"]["materialized"],
            key=key_columns(manifest, unique_id),
        )
        pairs.append((built, replace(built, schema=PUBLISHED_SCHEMA)))
    return sorted(pairs, key=lambda pair: pair[0].name)
