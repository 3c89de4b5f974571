"""Load-time incremental base models (macros/staging/delivered_rows.sql).

The raw tables are the clean ones with planted rows; as_of decides what a build
sees (rows loaded by the end of its day). One database is built night after night:

1. as of NIGHT_1: the first build, a full one (no stored table);
2. as of NIGHT_2: incremental, the delivered rows are those loaded since;
3. as of NIGHT_2 again: a repeated run must change nothing;
4. as of NIGHT_1 again, on the same database: a past as_of (the table holds later
   rows, so it is emptied and rebuilt).

Every base table after 2-3 must equal a fresh build as of NIGHT_2, and after 4 a
fresh build as of NIGHT_1, row for row (multisets: exact duplicates are rows too).
Planted: a later version of an early event and of an early order (the late rows a
nightly run must fold into old keys), rows without a load time (re-read every run:
one with an event id, one without), a key-less row loaded at night 1's watermark
(read again by night 2) and a later exact duplicate of an order.
Only the staging models are built (the erasure hook's re-read is covered by
`make soak`, whose timeline carries deletion requests).

Separately, without as_of (no load cut-off), a delivered row claiming a load time
far in the future must not hide the deliveries that follow it (loaded_watermark).
A nightly run reads each base model's watermark once (delivered_source_ctes() and
record_outcome_ctes() share delivery_watermark()'s answer), as its dbt log shows.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

NIGHT_1, NIGHT_2 = "2026-10-20", "2026-10-31"
LATE = pd.Timestamp("2026-10-25 06:00:00")
WATERMARK = pd.Timestamp("2026-10-20 23:59:59.999999")
BASE_MODELS = [
    "base_crm__customers", "base_crm__consent_events", "base_email__events",
    "base_shop__orders", "base_shop__order_lines", "base_web__events",
]
STAGING = ["--select", "path:models/staging"]


def plant(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    events = tables["events"]
    early_event = events.sort_values("_loaded_at").iloc[0].copy()
    late_version = early_event.copy()
    late_version["page_path"], late_version["_loaded_at"] = "/late/version", LATE
    no_load_time = events.sort_values("_loaded_at").iloc[1].copy()
    no_load_time["_loaded_at"] = pd.NaT
    keyless = no_load_time.copy()
    keyless["event_id"], keyless["page_path"] = None, "/no/key/no/load/time"
    # the last load before NIGHT_1's cut-off: the watermark night 2 reads again from
    keyless_at_watermark = keyless.copy()
    keyless_at_watermark["page_path"] = "/no/key/at/the/watermark"
    keyless_at_watermark["_loaded_at"] = WATERMARK
    tables["events"] = pd.concat(
        [events[events.event_id != no_load_time.event_id],
         pd.DataFrame([late_version, no_load_time, keyless, keyless_at_watermark])],
        ignore_index=True,
    )
    orders = tables["orders"]
    early_order = orders.sort_values("_loaded_at").iloc[0].copy()
    status_change = early_order.copy()
    status_change["order_status"] = "refunded"
    status_change["updated_at"] = LATE
    status_change["_loaded_at"] = LATE
    copy = orders.sort_values("_loaded_at").iloc[2].copy()
    copy["_loaded_at"] = LATE + pd.Timedelta(hours=1)
    tables["orders"] = pd.concat([orders, pd.DataFrame([status_change, copy])], ignore_index=True)
    return tables


def base_rows(build: Build, model: str) -> pd.DataFrame:
    frame = build.frame(f"select * from staging.{model}")
    return frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)


def assert_same_base_tables(nightly: Build, fresh: Build) -> None:
    for model in BASE_MODELS:
        pd.testing.assert_frame_equal(
            base_rows(nightly, model), base_rows(fresh, model), obj=model
        )


def watermark_reads(build: Build) -> Counter[str]:
    """How often each model ran the watermark query (loaded_watermark of `_loaded_at`)
    in the build's last dbt invocation, read from its dbt.log: a logged query's
    header line names its model, the query's lines follow."""
    log = (build.folder / "logs" / "dbt.log").read_text()
    last_invocation = log.rsplit("Running with dbt", 1)[-1]
    reads: Counter[str] = Counter()
    model = None
    for line in last_invocation.splitlines():
        header = re.search(r"On model\.segmentation\.(\w+):", line)
        if header:
            model = header.group(1)
        elif model and "max(case when _loaded_at <=" in line:
            reads[model] += 1
    return reads


def build_as_of(folder: Path, raw: Path, as_of: str | None) -> Build:
    dbt_vars = {"as_of": as_of} if as_of else None
    result = dbt_build(folder, raw, command="run", args=STAGING, dbt_vars=dbt_vars)
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_raw(tmp_path_factory.mktemp("incremental") / "raw", plant(clean_tables()))


@pytest.fixture(scope="module")
def fresh(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    return {
        as_of: build_as_of(tmp_path_factory.mktemp(f"fresh-{as_of}"), raw, as_of)
        for as_of in (NIGHT_1, NIGHT_2)
    }


@pytest.fixture(scope="module")
def nightly_folder(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nightly")
    build_as_of(folder, raw, NIGHT_1)
    return folder


def test_nightly_run_equals_a_fresh_build(
    raw: Path, nightly_folder: Path, fresh: dict[str, Build]
) -> None:
    nightly = build_as_of(nightly_folder, raw, NIGHT_2)
    assert "incremental" in nightly.output
    assert_same_base_tables(nightly, fresh[NIGHT_2])
    kept = nightly.query(
        "select page_path from staging.base_web__events "
        "where record_outcome = 'kept' and page_path = '/late/version'"
    )
    assert kept == [("/late/version",)]
    assert watermark_reads(nightly) == Counter({model: 1 for model in BASE_MODELS})


def test_repeated_run_changes_nothing(
    raw: Path, nightly_folder: Path, fresh: dict[str, Build]
) -> None:
    again = build_as_of(nightly_folder, raw, NIGHT_2)
    assert_same_base_tables(again, fresh[NIGHT_2])
    keyless = again.query(
        "select count(*) from staging.base_web__events where event_id is null and _loaded_at is null"
    )
    assert keyless == [(1,)]
    at_watermark = again.query(
        "select count(*) from staging.base_web__events where page_path = '/no/key/at/the/watermark'"
    )
    assert at_watermark == [(1,)]


def test_past_as_of_rebuilds_what_was_known_then(
    raw: Path, nightly_folder: Path, fresh: dict[str, Build]
) -> None:
    rewound = build_as_of(nightly_folder, raw, NIGHT_1)
    assert_same_base_tables(rewound, fresh[NIGHT_1])
    assert rewound.query(
        "select count(*) from staging.base_web__events where page_path = '/late/version'"
    ) == [(0,)]


def test_a_future_load_time_does_not_hide_later_deliveries(tmp_path: Path) -> None:
    tables = clean_tables()
    events = tables.pop("events")
    first, later = events[events._loaded_at < LATE], events[events._loaded_at >= LATE]
    assert len(first) and len(later)
    future = first.iloc[[0]].copy()
    future["event_id"], future["_loaded_at"] = "E-FUTURE", pd.Timestamp("2099-01-01")
    raw = write_raw(tmp_path / "raw", tables)
    (raw / "events").mkdir()
    pd.concat([first, future]).to_parquet(raw / "events" / "delivery-1.parquet", index=False)
    nightly = build_as_of(tmp_path / "nightly", raw, None)
    later.to_parquet(raw / "events" / "delivery-2.parquet", index=False)
    nightly = build_as_of(tmp_path / "nightly", raw, None)
    fresh = build_as_of(tmp_path / "fresh", raw, None)
    pd.testing.assert_frame_equal(
        base_rows(nightly, "base_web__events"), base_rows(fresh, "base_web__events"),
        obj="base_web__events",
    )
    delivered_later = nightly.query(
        "select count(*) from staging.base_web__events "
        "where _loaded_at >= timestamp '2026-10-25 06:00:00' and event_id <> 'E-FUTURE'"
    )
    assert delivered_later == [(len(later),)]
