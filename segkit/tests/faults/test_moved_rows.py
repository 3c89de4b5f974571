"""Fault family: a later version that moves a row to another owner.

The incremental per-customer and per-session tables recompute what a night's
deliveries touch. A delivered version names the row's new owner; the owner it
leaves is named only by the row's older versions in the base table
(owners_of_redelivered_keys(), macros/features/customers_to_reprocess.sql), and
an owner left with nothing must lose its stored rows too (with_emptied_keys()).
Before the fix, a nightly run kept such rows: an order corrected to another
customer stayed in its first customer's daily orders, RFM and segments.

Planted, loaded between the two nights (the originals load before the first):
an order re-attributed to another CRM id (its customer keeps other orders), the
only order of a customer re-attributed, an anonymous event moved to another
logged-in device, and the only event of a session moved to another session. A
database built as of NIGHT_1 and then NIGHT_2 must equal a fresh build as of
NIGHT_2 on every table `make soak` compares.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from segkit.soak.compare import compare_databases
from segkit.soak.run import CLUSTER_TABLE
from segkit.soak.tables import compared_tables, model_relation
from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

NIGHT_1, NIGHT_2 = "2026-10-20", "2026-10-31"
LATE = pd.Timestamp("2026-10-25 06:00:00")
# as the soak builds: every night fits its models, so both sides fit on the same rows
REFIT = {"cluster_refit": "always", "propensity_refit": "always"}


def later_version(row: pd.Series, **changes: object) -> pd.Series:
    moved = row.copy()
    for column, value in changes.items():
        moved[column] = value
    moved["_loaded_at"] = LATE
    if "updated_at" in moved:
        moved["updated_at"] = LATE
    return moved


def plant(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables with the four moves added, and what moved (for the checks)."""
    orders = tables["orders"]
    early = orders[orders["_loaded_at"] < pd.Timestamp(NIGHT_1)]
    per_customer = early.groupby("customer_id")["order_id"].count()
    keeps_others = early[early.customer_id.isin(per_customer[per_customer > 1].index)].iloc[0]
    only_order = early[early.customer_id.isin(per_customer[per_customer == 1].index)].iloc[0]
    receiver = per_customer.index[(per_customer.index != keeps_others.customer_id)
                                  & (per_customer.index != only_order.customer_id)][0]
    tables["orders"] = pd.concat([
        orders,
        pd.DataFrame([later_version(keeps_others, customer_id=receiver),
                      later_version(only_order, customer_id=receiver)]),
    ], ignore_index=True)

    events = tables["events"]
    early = events[events["_loaded_at"] < pd.Timestamp(NIGHT_1)]
    logged_in = list(dict.fromkeys(early[early.customer_id.notna()].anonymous_id))
    anonymous = early[early.customer_id.isna() & early.anonymous_id.isin(logged_in)].iloc[0]
    other_device = next(device for device in logged_in if device != anonymous.anonymous_id)
    per_session = early.groupby("session_id")["event_id"].count()
    # a logged-in event, so that its session is someone's
    alone = early[early.session_id.isin(per_session[per_session == 1].index)
                  & early.customer_id.notna()].iloc[0]
    other_session = next(session for session in per_session.index
                         if session not in (alone.session_id, anonymous.session_id))
    tables["events"] = pd.concat([
        events,
        pd.DataFrame([later_version(anonymous, anonymous_id=other_device),
                      later_version(alone, session_id=other_session)]),
    ], ignore_index=True)
    moved = {
        "order": keeps_others.order_id, "only_order": only_order.order_id,
        "only_order_customer": only_order.customer_id, "receiver": receiver,
        "event": anonymous.event_id, "emptied_session": alone.session_id,
    }
    return tables, moved


def build(folder: Path, raw: Path, as_of: str) -> Build:
    result = dbt_build(folder, raw, dbt_vars={"as_of": as_of, **REFIT},
                       args=["--exclude-resource-type", "test"])
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tables, moved = plant(clean_tables())
    return write_raw(tmp_path_factory.mktemp("moved") / "raw", tables), moved


@pytest.fixture(scope="module")
def builds(planted, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    raw, _ = planted
    nightly = tmp_path_factory.mktemp("nightly")
    night_1 = tmp_path_factory.mktemp("night_1")
    first = build(nightly, raw, NIGHT_1)
    # the first night's tables, as the second night finds them
    shutil.copy2(first.database, night_1 / "db.duckdb")
    return {
        "night_1": Build(night_1, first.result),
        "nightly": build(nightly, raw, NIGHT_2),
        "fresh": build(tmp_path_factory.mktemp("fresh"), raw, NIGHT_2),
    }


def test_the_moves_reach_the_staged_tables(planted, builds: dict[str, Build]) -> None:
    _, moved = planted
    fresh = builds["fresh"]
    assert fresh.query(
        f"select customer_id from staging.stg_shop__orders where order_id = '{moved['only_order']}'"
    ) == [(moved["receiver"],)]
    assert fresh.query(
        "select count(*) from staging.stg_shop__orders"
        f" where customer_id = '{moved['only_order_customer']}'"
    ) == [(0,)]
    sessions = f"select count(*) from intermediate.int_events__sessions where session_id = '{moved['emptied_session']}'"
    assert fresh.query(sessions) == [(0,)]
    assert builds["night_1"].query(sessions) == [(1,)]


def test_a_nightly_run_after_moved_rows_equals_a_fresh_build(builds: dict[str, Build]) -> None:
    nightly, fresh = builds["nightly"], builds["fresh"]
    manifest = json.loads((nightly.folder / "target" / "manifest.json").read_text())
    specs = compared_tables(manifest)
    assert {"int_orders__daily", "int_events__daily", "int_events__sessions"} <= {spec.name for spec in specs}
    diffs = compare_databases(
        nightly.database, fresh.database, specs, NIGHT_2, model_relation(manifest, CLUSTER_TABLE)
    )
    differing = {diff.table: diff for diff in diffs if diff.differences}
    assert not differing, (
        f"tables differing from a fresh build: {sorted(differing)};"
        f" e.g. {[(diff.table, diff.differences, diff.examples[:1]) for diff in differing.values()][:3]}"
    )
