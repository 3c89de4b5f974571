"""segkit.snowflake_emulator: raw loading into fakesnow, dbt arguments, summaries.

The full emulator build runs in `make snowflake-test`; these tests stay small.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from segkit import snowflake_emulator as emulator


def test_snowflake_type_maps_raw_contract_types_and_rejects_unknown():
    assert emulator.snowflake_type("string") == "varchar"
    assert emulator.snowflake_type("int32") == "integer"
    assert emulator.snowflake_type("timestamp[us]") == "timestamp_ntz"
    assert emulator.snowflake_type("date32[day]") == "date"
    assert emulator.snowflake_type("decimal128(18, 2)") == "number(18, 2)"
    with pytest.raises(ValueError, match="no Snowflake type"):
        emulator.snowflake_type("list<item: int64>")


def test_load_raw_creates_typed_tables_with_every_row(tmp_path: Path):
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector

    raw = tmp_path / "raw"
    raw.mkdir()
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", None],
            "amount": [10.5, None, 3.0],
            "updated_at": pd.to_datetime(["2026-01-01 10:00", "2026-01-02 11:30", None]),
        }
    )
    orders.to_parquet(raw / "orders.parquet", index=False)
    (tmp_path / "fs").mkdir()
    with fakesnow.patch(db_path=str(tmp_path / "fs")):
        assert emulator.load_raw(raw) == {"orders": 3}
        with snowflake.connector.connect(database=emulator.EMULATOR_DATABASE) as conn:
            cursor = conn.cursor()
            cursor.execute("select order_id, amount, updated_at from raw.orders order by order_id")
            rows = cursor.fetchall()
            cursor.execute("describe table raw.orders")
            types = {row[0].lower(): row[1] for row in cursor.fetchall()}
    assert [row[0] for row in rows] == ["o1", "o2", None]
    assert rows[0][2] == pd.Timestamp("2026-01-01 10:00").to_pydatetime()
    assert types["updated_at"].startswith("TIMESTAMP_NTZ")
    assert types["amount"] == "FLOAT"


def test_dbt_args_use_emulator_target_and_exclude_the_tag(tmp_path: Path):
    args = emulator.dbt_args(
        "build", tmp_path / "profiles", tmp_path / "target", ["stg_shop__orders"]
    )
    assert args[args.index("--target") + 1] == "snowflake_emulator"
    assert args[args.index("--exclude") + 1] == "tag:fakesnow_unsupported"
    assert '"snowflake_emulator": true' in args[args.index("--vars") + 1]
    assert args[-2:] == ["--select", "stg_shop__orders"]
    without_exclusion = emulator.dbt_args("test", tmp_path, tmp_path, ["cluster_fit"], exclude=None)
    assert "--exclude" not in without_exclusion
    assert "unit_test" in without_exclusion


def test_profiles_example_has_the_emulator_target():
    example = (emulator.PROJECT_DIR / "profiles.yml.example").read_text()
    assert f"    {emulator.EMULATOR_TARGET}:" in example
    assert f"database: {emulator.EMULATOR_DATABASE}" in example


def _python_node(name: str, parents: list[str], tags: list[str]) -> dict:
    return {
        "resource_type": "model",
        "language": "python",
        "name": name,
        "tags": tags,
        "depends_on": {"nodes": parents},
    }


def test_excluded_python_models_come_parents_first_and_only_tagged():
    manifest = {
        "nodes": {
            "model.p.child": _python_node(
                "child", ["model.p.parent", "model.p.sql"], [emulator.EXCLUDE_TAG]
            ),
            "model.p.parent": _python_node("parent", ["model.p.sql"], [emulator.EXCLUDE_TAG]),
            "model.p.untagged": _python_node("untagged", [], []),
            "model.p.sql": {
                "resource_type": "model",
                "language": "sql",
                "name": "sql",
                "tags": [],
                "depends_on": {"nodes": []},
            },
        }
    }
    assert [node["name"] for node in emulator.excluded_python_models(manifest)] == [
        "parent",
        "child",
    ]


def test_summarise_counts_statuses_and_names_failures():
    def result(status: str, unique_id: str) -> SimpleNamespace:
        return SimpleNamespace(status=status, node=SimpleNamespace(unique_id=unique_id))

    summary = emulator.summarise(
        [result("success", "model.a"), result("pass", "test.b"), result("fail", "test.c")]
    )
    assert not summary.success
    assert summary.status_counts == {"success": 1, "pass": 1, "fail": 1}
    assert summary.failures == ["test.c"]
    assert "FAILED" in summary.format() and "test.c" in summary.format()


def test_quiet_emulator_noise_filters_only_the_emulator_messages():
    import logging
    import warnings

    from segkit.snowflake_emulator import quiet_emulator_noise

    logger = logging.getLogger("sqlglot")
    level = logger.level
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quiet_emulator_noise()
            warnings.warn("Arrow output on a DB-API result makes an extra copy of the rows", UserWarning)
            warnings.warn("something the project should see", UserWarning)
        assert [str(w.message) for w in caught] == ["something the project should see"]
        assert not logger.isEnabledFor(logging.WARNING) and logger.isEnabledFor(logging.ERROR)
    finally:
        logger.setLevel(level)
