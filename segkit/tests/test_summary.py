"""Tests for the demo summary printer."""

from __future__ import annotations

import duckdb
import pytest

from segkit.summary import find_relation, format_table, render_summary


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.customer_segments as "
        "select * from (values ('a', 'High Value'), ('b', 'Other'), ('c', 'Other')) "
        "as t(customer_id, primary_segment)"
    )
    return con


def test_find_relation_finds_the_schema_dbt_used(con: duckdb.DuckDBPyConnection) -> None:
    assert find_relation(con, "customer_segments") == '"marts"."customer_segments"'
    assert find_relation(con, "no_such_mart") is None


def test_summary_counts_primary_segments_and_reports_missing_marts(
    con: duckdb.DuckDBPyConnection,
) -> None:
    text = render_summary(con)
    other_line = next(line for line in text.splitlines() if line.startswith("Other"))
    assert other_line.split()[1:] == ["2", "66.70"]
    assert "cluster_profiles is missing" in text


def test_format_table_aligns_and_truncates() -> None:
    table = format_table(["name", "value"], [("x" * 40, 1.5), ("y", None)], max_width=10)
    lines = table.splitlines()
    assert lines[2].startswith("xxxxxxxxx…")
    assert "1.50" in lines[2]
    assert len({len(line.rstrip()) for line in lines[:2]}) == 1
