"""Segments through vars alone (issue 13): adding, removing and renaming a segment in
var `segment_definitions` needs no other edit.

One build (60 clean customers, `--vars` only, no file edited) with the shipped
definitions changed three ways: Big Baskets added, Cart Abandoners removed, Highly
Engaged renamed Long Sessions. Before, the added segment broke customer_segments'
enforced contract ("is_big_baskets ... missing in contract") and skipped its
dependants. Now the contracted marts keep their columns, the new segment appears
everywhere (long membership, KPIs, slugs, the wide flags table) and the removed and
old names appear nowhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from segkit.tests.faults.harness import PROJECT_DIR, Build, clean_tables, dbt_build, write_raw

ADDED = {
    "name": "Big Baskets",
    "kind": "percentile",
    "rule": {"column": "avg_order_value", "percentile": 50, "direction": "top"},
    "priority": 15,
    "description": "Top half of buyers by average order value.",
}
REMOVED = "Cart Abandoners"
RENAMED = ("Highly Engaged", "Long Sessions")
# customer_segments' enforced contract: the same columns whatever the var holds
CUSTOMER_SEGMENTS_COLUMNS = [
    "customer_id", "as_of_date", "recency_score", "frequency_score", "monetary_score",
    "rfm_code", "rfm_segment_name", "segment_slugs", "count_segments", "primary_segment",
    "cluster_id",
]


def shipped_definitions() -> list[dict]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"]["segment_definitions"]


def changed_definitions() -> list[dict]:
    definitions = []
    for definition in shipped_definitions():
        if definition["name"] == REMOVED:
            continue
        if definition["name"] == RENAMED[0]:
            definition = {**definition, "name": RENAMED[1]}
        definitions.append(definition)
    return [*definitions, ADDED]


def columns(build: Build, table: str) -> list[str]:
    rows = build.query(
        "select column_name from duckdb_columns() "
        f"where schema_name = 'marts' and table_name = '{table}' order by column_index"
    )
    return [row[0] for row in rows]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder: Path = tmp_path_factory.mktemp("segments_through_vars")
    raw = write_raw(folder / "raw", clean_tables())
    return dbt_build(
        folder,
        raw,
        dbt_vars={"segment_definitions": changed_definitions()},
        # only what the segment marts need; cautious: no test of an unselected model
        args=["--select", "+customer_segment_flags", "+segment_kpis", "--indirect-selection", "cautious"],
    )


def test_build_passes_with_segments_added_removed_and_renamed_through_vars(build: Build) -> None:
    assert build.ok, "\n".join(build.failures()) or build.output[-3000:]


def test_contracted_customer_segments_keeps_its_columns(build: Build) -> None:
    assert columns(build, "customer_segments") == CUSTOMER_SEGMENTS_COLUMNS


def test_wide_flags_follow_the_var(build: Build) -> None:
    flags = [column for column in columns(build, "customer_segment_flags") if column.startswith("is_")]
    assert "is_big_baskets" in flags
    assert "is_long_sessions" in flags
    assert "is_cart_abandoners" not in flags
    assert "is_highly_engaged" not in flags
    assert len(flags) == len(changed_definitions())


def test_new_segment_has_members_in_every_segment_mart(build: Build) -> None:
    members = build.query(
        "select count(*) from marts.segment_membership where segment_name = 'Big Baskets'"
    )[0][0]
    assert members > 0
    assert build.query(
        "select count(*) from marts.customer_segment_flags where is_big_baskets"
    )[0][0] == members
    assert build.query(
        "select count(*) from marts.customer_segments "
        "where ',' || segment_slugs || ',' like '%,big_baskets,%'"
    )[0][0] == members
    assert build.query(
        "select count_customers from marts.segment_kpis where segment_name = 'Big Baskets'"
    ) == [(members,)]


def test_removed_and_old_names_are_gone(build: Build) -> None:
    names = {row[0] for row in build.query("select segment_name from marts.segment_kpis")}
    assert names == {definition["name"] for definition in changed_definitions()}
    assert build.query(
        "select count(*) from marts.customer_segments "
        "where ',' || segment_slugs || ',' like '%,cart_abandoners,%' "
        "or ',' || segment_slugs || ',' like '%,highly_engaged,%'"
    ) == [(0,)]
