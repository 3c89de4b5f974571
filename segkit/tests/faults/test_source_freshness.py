"""`dbt source freshness` (macros/staging/collect_freshness.sql, the sources YAML):

- a generated sample data set (the raw folder holds the generator's _manifest.json) is
  judged as of the end of its end_date, whatever today's date: the demo's sources
  pass right after `make demo` (issue 16: every source was ERROR STALE);
- the same files without the manifest are real data, judged by the wall clock: the
  daily sources are stale (the sample ends weeks before today), and the command fails;
- an absent optional table passes with a log line (staging stages it empty), and
  deletion requests have no freshness check (they arrive when people ask).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from segkit.tests.faults.harness import Build, _generated, dbt_build

DAILY_SOURCES = ["crm.customers", "crm.consent_events", "shop.orders", "shop.order_lines", "web.events"]
# rows every day even in the 60-customer sample (its sign-ups and consent changes are sparser)
DENSE_SOURCES = ["shop.orders", "shop.order_lines", "web.events"]


def statuses(build: Build) -> dict[str, str]:
    """source -> PASS / WARN / ERROR STALE / ERROR, from dbt's result lines."""
    return {
        name: status
        for status, name in re.findall(r"\d+ of \d+ (PASS|WARN|ERROR STALE|ERROR) freshness of (\S+)", build.output)
    }


def clocks(build: Build) -> dict[str, dt.datetime]:
    """source -> the time its freshness was measured at (target/sources.json)."""
    results = json.loads((build.folder / "target" / "sources.json").read_text())["results"]
    return {
        row["unique_id"].split(".", 2)[-1]: dt.datetime.fromisoformat(row["snapshotted_at"])
        for row in results
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder = tmp_path_factory.mktemp("freshness-sample")
    return dbt_build(folder, _generated(60, 11), command="source", args=["freshness"])


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The sample's files without its manifest and without email events."""
    folder = tmp_path_factory.mktemp("freshness-real")
    raw = folder / "raw"
    shutil.copytree(_generated(60, 11), raw, ignore=shutil.ignore_patterns("_manifest.json", "email_events.*"))
    return dbt_build(folder, raw, command="source", args=["freshness"])


def test_generated_sample_is_judged_as_of_its_end_date(sample: Build) -> None:
    end_date = json.loads((_generated(60, 11) / "_manifest.json").read_text())["end_date"]
    end = dt.datetime.fromisoformat(end_date).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
    assert set(clocks(sample).values()) == {end}, sample.output[-2000:]
    found = statuses(sample)
    assert sorted(found) == sorted([*DAILY_SOURCES, "email.email_events"]), found
    assert {name: found[name] for name in DENSE_SOURCES} == {name: "PASS" for name in DENSE_SOURCES}


def test_real_data_is_judged_by_the_wall_clock(real: Build) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    assert all(abs((clock - now).total_seconds()) < 600 for clock in clocks(real).values())
    assert not real.ok
    found = statuses(real)
    assert {name: found.get(name) for name in DENSE_SOURCES} == {name: "ERROR STALE" for name in DENSE_SOURCES}


def test_absent_optional_source_passes_and_deletions_are_not_checked(real: Build) -> None:
    assert statuses(real)["email.email_events"] == "PASS"
    assert "optional source email.email_events not found: no freshness to measure" in real.output
    assert "crm.deletion_requests" not in statuses(real)
