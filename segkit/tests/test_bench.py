"""Tests for the benchmark's reference recipes, measurement and reporting."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import pandas as pd
import pytest

from segkit.bench import (
    FLOOR, FULL_BUILD, GENERATE, PANDAS_FULL, RFM_PATH, SizeResult, bench_size, markdown_table, ratio,
    results_markdown, size_targets, step_log_name, write_results,
)
from segkit.bench_nightly import (
    ASSIGN_COMMAND, ASSIGN_FIRST, ASSIGN_ONLY, FULL_BEFORE_NIGHT, GENERATE_TIMELINE, NIGHTLY, bench_nightly,
    median_measurement, summarise_assignment, targets_markdown,
)
from segkit.bench_recipes import compare_rfm, floor_rfm, pandas_kmeans, pandas_rfm
from segkit.measure import Measurement, StepFailed, run_measured


@pytest.fixture()
def raw_orders(tmp_path: Path) -> Path:
    """Orders with a superseded version, a refund, a non-USD currency, a time-zone
    shift across midnight, a guest checkout, an order after as_of, and customers
    deleted by id and by email."""
    rows = [
        # order o1: first version 10 USD, latest version 20 USD -> counts 20
        ("o1", "c1", "2026-01-10 09:00:00+00:00", 10.0, "USD", "completed", "2026-01-10 10:00:00"),
        ("o1", "c1", "2026-01-10 09:00:00+00:00", 20.0, "usd", "completed", "2026-01-11 10:00:00"),
        # 100 EUR = 108 USD; 23:30 at -05:00 is 04:30 UTC the next day (2026-01-21)
        ("o2", "c1", "2026-01-20 23:30:00-05:00", 100.0, "EUR", "Completed", "2026-01-21 10:00:00"),
        ("o3", "c1", "2026-01-25 12:00:00+00:00", 500.0, "USD", "refunded", "2026-01-25 12:00:00"),
        ("o4", "c2", "2026-01-31 12:00:00+02:00", 50.0, "GBP", "completed", "2026-01-31 12:00:00"),
        # guest checkout with c2's email in another case: belongs to c2
        ("o5", None, "2026-01-15 12:00:00+00:00", 70.0, "USD", "completed", "2026-01-15 12:00:00"),
        ("o6", "c2", "2026-02-02 12:00:00+00:00", 999.0, "USD", "completed", "2026-02-02 12:00:00"),
        ("o7", "c3", "2026-01-05 12:00:00+00:00", 10.0, "USD", "completed", "2026-01-05 12:00:00"),
        ("o8", "c4", "2026-01-05 12:00:00+00:00", 10.0, "USD", "completed", "2026-01-05 12:00:00"),
    ]
    frame = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "ordered_at", "amount", "currency", "status", "updated_at"]
    )
    frame.insert(2, "customer_email", [None] * 5 + [" C2@Example.com"] + [None] * 3)
    frame["updated_at"] = pd.to_datetime(frame["updated_at"])
    frame.to_parquet(tmp_path / "orders.parquet", index=False)
    pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"],
                  "email": ["c1@example.com", "c2@example.com", "c3@example.com", None]}).to_parquet(
        tmp_path / "customers.parquet", index=False)
    pd.DataFrame({"customer_id": [None, "c4"], "email": [" C3@example.com", None]}).to_parquet(
        tmp_path / "deletion_requests.parquet", index=False)
    return tmp_path


EXPECTED = pd.DataFrame(
    {
        "customer_id": ["c1", "c2"],
        "days_since_last_order": [10, 0],
        "count_orders": [2, 2],
        "total_revenue": [20.0 + 108.0, 50.0 * 1.27 + 70.0],
    }
)


@pytest.mark.parametrize("recipe", [pandas_rfm, floor_rfm])
def test_recipes_follow_the_pipeline_rfm_definition(raw_orders: Path, recipe) -> None:
    rfm = recipe(raw_orders, "2026-01-31").sort_values("customer_id").reset_index(drop=True)
    assert compare_rfm(rfm, EXPECTED) == []


def test_compare_rfm_reports_each_kind_of_difference() -> None:
    other = EXPECTED.copy()
    other.loc[0, "count_orders"] = 3
    other.loc[1, "total_revenue"] += 1.0
    other = pd.concat([other, pd.DataFrame({"customer_id": ["c9"], "days_since_last_order": [1],
                                            "count_orders": [1], "total_revenue": [1.0]})])
    problems = compare_rfm(EXPECTED, other)
    assert problems == [
        "1 customers present on one side only",
        "1 customers differ in count_orders",
        "1 customers differ in total_revenue",
    ]


def test_pandas_kmeans_finds_planted_groups() -> None:
    groups = [(1, 1, 10.0), (300, 1, 5000.0), (150, 20, 800.0)]
    rows = [
        {"customer_id": f"{g}-{i}", "days_since_last_order": d + i % 3, "count_orders": f + i % 2,
         "total_revenue": m + i}
        for g, (d, f, m) in enumerate(groups) for i in range(60)
    ]
    assert pandas_kmeans(pd.DataFrame(rows), silhouette_sample=1000) == 3


def test_run_measured_reports_time_and_child_memory(tmp_path: Path) -> None:
    allocate = "x = bytearray(200 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"
    m = run_measured("alloc", [sys.executable, "-c", allocate], log_path=str(tmp_path / "log"))
    assert m.returncode == 0 and m.wall_seconds > 0
    assert m.peak_rss_mib > 200


def test_run_measured_raises_on_failure() -> None:
    with pytest.raises(StepFailed, match="exited with 3"):
        run_measured("fails", [sys.executable, "-c", "raise SystemExit(3)"])


def test_ratio_and_markdown_table() -> None:
    assert ratio(10.0, 4.0) == 2.5
    assert ratio(None, 4.0) is None and ratio(1.0, 0.0) is None
    result = SizeResult(1000)
    for label, seconds in [(FULL_BUILD, 20.0), (RFM_PATH, 3.0), (FLOOR, 1.5), (PANDAS_FULL, 200.0)]:
        result.measurements[label] = Measurement(label, seconds, 100.0, 0)
    result.rfm_agreement = {"pipeline vs floor": [], "pipeline vs pandas": []}
    info = {"cores": "2", "memory_gib": "23.4", "python": "3.11", "duckdb": "2.0", "duckdb_memory_limit": "3GB"}
    table = markdown_table([result], info)
    assert table.startswith("Machine: 2 cores, 23.4 GiB RAM, Python 3.11, DuckDB 2.0, memory_limit 3GB")
    assert "| **RFM path / floor** | 2.00x |" in table
    assert "| **pandas recipe / full dbt build** | 10.00x |" in table
    assert "| RFM numbers agree (pipeline = pandas = floor) | yes |" in table
    assert "| dbt build (all models) | 20.0 s / 100 MiB |" in table


def test_layer_seconds_sums_model_times_by_folder(tmp_path: Path) -> None:
    import json

    from segkit.bench import layer_seconds

    nodes = {
        "model.p.stg_a": "models/staging/crm/stg_a.sql",
        "model.p.int_identity": "models/intermediate/identity/int_x.sql",
        "model.p.int_rfm": "models/intermediate/features/int_rfm.sql",
        "model.p.cluster_fit": "python_models/clustering/cluster_fit.py",
        "test.p.not_null_x": "models/staging/crm/_crm__models.yml",
    }
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"nodes": {uid: {"original_file_path": path} for uid, path in nodes.items()}}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": uid, "execution_time": seconds}
        for uid, seconds in zip(nodes, [1.0, 2.0, 4.0, 8.0, 16.0])]}))
    assert layer_seconds(tmp_path) == {"staging": 3.0, "features": 4.0, "segments": 0.0, "clustering": 8.0}


def test_median_measurement_takes_median_time_and_largest_peak() -> None:
    runs = [Measurement("n", seconds, peak, 0) for seconds, peak in [(9.0, 300.0), (1.0, 900.0), (4.0, 100.0)]]
    summary = median_measurement("nightly", runs)
    assert (summary.label, summary.wall_seconds, summary.peak_rss_mib) == ("nightly", 4.0, 900.0)
    with pytest.raises(ValueError, match="no runs"):
        median_measurement("nightly", [])


def test_assignment_sets_the_first_run_apart_and_takes_the_median_of_the_rest() -> None:
    # the first run re-parses the project (slow); the median of the rest is the figure
    runs = [Measurement(f"a #{i}", seconds, peak, 0)
            for i, (seconds, peak) in enumerate([(12.0, 700.0), (6.0, 650.0), (7.0, 800.0), (5.0, 600.0)])]
    runs[0] = Measurement("a #0", 12.0, 700.0, 0, peak_sampled_at=1.5, peak_sampled_mib=690.0)
    summary = summarise_assignment(runs)
    first, repeated = summary[ASSIGN_FIRST], summary[ASSIGN_ONLY]
    assert first == Measurement(ASSIGN_FIRST, 12.0, 700.0, 0, peak_sampled_at=1.5, peak_sampled_mib=690.0)
    assert (repeated.label, repeated.wall_seconds, repeated.peak_rss_mib) == (ASSIGN_ONLY, 6.0, 800.0)
    with pytest.raises(ValueError, match="at least 2"):
        summarise_assignment(runs[:1])


def test_targets_say_met_or_by_how_much_they_are_missed() -> None:
    result = SizeResult(1_000_000)
    # nightly 45 s (1.5x the 30 s target), full build 100 s (met), peaks 5 GiB at night
    figures = [(NIGHTLY, 45.0, 5 * 1024.0), (FULL_BUILD, 100.0, 3 * 1024.0), (RFM_PATH, 30.0, 1.0),
               (FLOOR, 5.0, 1.0)]
    for label, seconds, peak in figures:
        result.measurements[label] = Measurement(label, seconds, peak, 0)
    rows = {target.name: value for target, value in size_targets(result)}
    assert rows["peak memory of either"] == 5 * 1024.0
    assert rows["RFM path / floor query"] == 6.0
    assert rows["cluster assignment only (no refit)"] is None
    table = targets_markdown(result.customers, size_targets(result))
    assert "| nightly run, models only | 30.0 s | 45.0 s | missed by 1.5x |" in table
    assert "| full rebuild, models only | 120.0 s | 100.0 s | met |" in table
    assert "| peak memory of either | 4.0 GiB | 5.0 GiB | missed by 1.2x |" in table
    assert "| RFM path / floor query | 4.0x | 6.0x | missed by 1.5x |" in table
    assert "| cluster assignment only (no refit) | 5.0 s | n/a | not measured |" in table


def test_slowest_nodes_list_the_nightly_run_when_measured() -> None:
    from segkit.bench import SizeResult, _slowest_markdown

    full_only = SizeResult(1000, slowest_models=[("model.segmentation.a", 3.25)])
    assert "| model.segmentation.a | 3.2 |" in _slowest_markdown(full_only)
    assert "nightly" not in _slowest_markdown(full_only)
    both = SizeResult(1000, slowest_models=[("model.segmentation.a", 3.0)],
                      slowest_nightly_models=[("model.segmentation.propensity_fit", 12.5)])
    text = _slowest_markdown(both)
    assert text.index("Slowest nodes of the full build") < text.index("Slowest nodes of the last nightly run")
    assert "| model.segmentation.propensity_fit | 12.5 |" in text


def _fake_process(proc: Path, pid: int, parent: int, rss_kib: int | None,
                  name: str = "python3") -> None:
    (proc / str(pid)).mkdir(parents=True)
    (proc / str(pid) / "stat").write_text(f"{pid} ({name}) S {parent} 1 1 0 -1\n")
    status = f"Name:\t{name}\nVmRSS:\t{rss_kib} kB\n" if rss_kib is not None else f"Name:\t{name}\n"
    (proc / str(pid) / "status").write_text(status)


def test_process_tree_memory_sums_the_descendants_only(tmp_path: Path) -> None:
    from segkit.measure import process_tree_rss_mib

    proc = tmp_path / "proc"
    _fake_process(proc, 10, 1, 1024, name="dbt (main)")  # a name with a space and ')'
    _fake_process(proc, 11, 10, 2048)
    _fake_process(proc, 12, 11, 3072)  # grandchild
    _fake_process(proc, 13, 11, None)  # a kernel thread or a zombie: no VmRSS
    _fake_process(proc, 20, 1, 4096)  # not a descendant
    (proc / "self").mkdir()
    assert process_tree_rss_mib(10, proc) == 6.0
    assert process_tree_rss_mib(11, proc) == 5.0
    assert process_tree_rss_mib(99, proc) == 0.0


def test_run_measured_samples_when_the_peak_happened(tmp_path: Path) -> None:
    # 300 MiB touched, held a moment, then freed: the highest sample falls inside the run
    script = ("import time; x = bytearray(300 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); "
              "time.sleep(0.6); del x; time.sleep(0.3)")
    import time

    before = time.time()
    m = run_measured("alloc", [sys.executable, "-c", script], sample_every=0.05)
    after = time.time()
    assert m.peak_sampled_at is not None and before <= m.peak_sampled_at <= after
    assert 250 < m.peak_sampled_mib <= m.peak_rss_mib + 1
    unsampled = run_measured("quick", [sys.executable, "-c", "pass"])
    assert unsampled.peak_sampled_at is None and unsampled.peak_sampled_mib is None


def test_nodes_running_at_the_peak_come_from_run_results(tmp_path: Path) -> None:
    import json
    from datetime import datetime, timezone

    from segkit.bench import _slowest_markdown, nodes_running_at, peak_context

    def execute(start: str, end: str) -> list[dict]:
        return [{"name": "compile", "started_at": start, "completed_at": start},
                {"name": "execute", "started_at": start, "completed_at": end}]

    (tmp_path / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.segmentation.sessions",
         "timing": execute("2026-12-05T10:00:00Z", "2026-12-05T10:01:00Z")},
        {"unique_id": "model.segmentation.propensity_fit",
         "timing": execute("2026-12-05T10:00:30.5Z", "2026-12-05T10:02:00Z")},
        {"unique_id": "model.segmentation.later",
         "timing": execute("2026-12-05T10:01:30Z", "2026-12-05T10:03:00Z")},
        {"unique_id": "model.segmentation.skipped", "timing": []},
    ]}))
    moment = datetime(2026, 12, 5, 10, 0, 45, tzinfo=timezone.utc).timestamp()
    assert nodes_running_at(tmp_path, moment) == [
        "model.segmentation.propensity_fit", "model.segmentation.sessions"]
    before_all = datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc).timestamp()
    assert nodes_running_at(tmp_path, before_all) == []
    assert nodes_running_at(tmp_path, None) == []
    sampled = Measurement(FULL_BUILD, 200.0, 4100.0, 0, moment, 3990.0)
    result = SizeResult(1000, peak_nodes={FULL_BUILD: peak_context(sampled, tmp_path)})
    assert f"| {FULL_BUILD} | 3,990 MiB | propensity_fit, sessions |" in _slowest_markdown(result)


def test_machine_info_names_the_duckdb_memory_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from segkit.bench import MEMORY_LIMIT_VARIABLE, machine_info

    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "2.5GB")
    assert machine_info()["duckdb_memory_limit"] == "2.5GB"
    monkeypatch.delenv(MEMORY_LIMIT_VARIABLE)
    assert machine_info()["duckdb_memory_limit"] == "the profile's default"


@pytest.fixture()
def failing_dbt(tmp_path: Path) -> str:
    """A stand-in for dbt that fails whatever it is asked."""
    script = tmp_path / "dbt"
    script.write_text("#!/bin/sh\nexit 1\n")
    script.chmod(0o755)
    return str(script)


def test_a_failed_step_stops_the_size_and_keeps_what_was_measured(tmp_path: Path, failing_dbt: str) -> None:
    # the generator runs, the full build fails
    result = bench_size(30, tmp_path / "work", "2026-10-31", 7, sys.executable, failing_dbt, 0, 1)
    assert list(result.measurements) == [GENERATE]
    assert result.stopped is not None and result.stopped.startswith(f"{FULL_BUILD}: ")
    assert "exited with 1" in result.stopped
    info = {"cores": "2", "memory_gib": "23.4", "python": "3.11", "duckdb": "2.0", "duckdb_memory_limit": "3GB"}
    write_results([result], info, tmp_path)
    text = (tmp_path / "latest.md").read_text()
    assert text == results_markdown([result], info)
    assert f"**Stopped at 30 customers**, the steps after it did not run: {result.stopped}" in text
    assert f"| {GENERATE} | " in text and f"| {FULL_BUILD} | " not in text
    assert "| nightly run, models only | 30.0 s | n/a | not measured |" in text
    saved = json.loads((tmp_path / "latest.json").read_text())["results"][0]
    assert saved["stopped"] == result.stopped and list(saved["measurements"]) == [GENERATE]


def test_a_complete_size_has_no_stop_line() -> None:
    result = SizeResult(1000, measurements={FULL_BUILD: Measurement(FULL_BUILD, 20.0, 100.0, 0)})
    info = {"cores": "2", "memory_gib": "23.4", "python": "3.11", "duckdb": "2.0", "duckdb_memory_limit": "3GB"}
    assert "Stopped" not in results_markdown([result], info)


def test_the_nightly_measurements_taken_before_a_failure_are_kept(tmp_path: Path, failing_dbt: str) -> None:
    # the one-day timeline is generated, the build before the night fails
    kept: dict[str, Measurement] = {}
    with pytest.raises(StepFailed, match="exited with 1"):
        bench_nightly(30, tmp_path / "size", "2026-10-31", 7, sys.executable, failing_dbt, dict(os.environ),
                      lambda label, command, env: run_measured(label, command, env=env), 1, into=kept)
    assert list(kept) == [GENERATE_TIMELINE]
    assert FULL_BEFORE_NIGHT not in kept


def test_every_night_starts_from_the_parse_the_night_before_left(tmp_path: Path) -> None:
    # a stand-in dbt that notes, per call, its command, SEG_AS_OF and the saved parse it
    # found (the SEG_AS_OF of the call that saved it), then saves its own and creates
    # the database file the bench copies
    target, calls = tmp_path / "target", tmp_path / "calls.txt"
    saved = target / "partial_parse.msgpack"
    script = tmp_path / "dbt"
    script.write_text(
        "#!/bin/sh\n"
        f"if [ -e {saved} ]; then found=$(cat {saved}); else found=none; fi\n"
        f"echo \"$1 $SEG_AS_OF $found\" >> {calls}\n"
        f"mkdir -p {target} && echo \"$SEG_AS_OF\" > {saved} && touch \"$SEG_DUCKDB_PATH\"\n"
    )
    script.chmod(0o755)
    env = {**os.environ, "DBT_TARGET_PATH": str(target)}
    results = bench_nightly(30, tmp_path / "size", "2026-10-31", 7, sys.executable, str(script), env,
                            lambda label, command, env: run_measured(label, command, env=env), 2)
    assert calls.read_text().split("\n")[:-1] == [
        # the build before the night, as of the backfill date
        "build 2026-10-30 none",
        # both nights as of the night, each from the parse the build before left
        "build 2026-10-31 2026-10-30", "build 2026-10-31 2026-10-30",
        # the assignment runs as of the night, after the last night's parse: the first
        # is set apart, at least three more give the median
        "run 2026-10-31 2026-10-31", "run 2026-10-31 2026-10-31", "run 2026-10-31 2026-10-31",
        "run 2026-10-31 2026-10-31"]
    assert {GENERATE_TIMELINE, FULL_BEFORE_NIGHT, NIGHTLY, ASSIGN_FIRST, ASSIGN_ONLY} <= set(results)
    assert not list((tmp_path / "size").glob("*partial_parse*"))


def test_the_assignment_measured_is_the_scoring_run_the_docs_give() -> None:
    # the target compares what a scheduler runs: the command of docs/clustering.md
    clustering = (Path(__file__).resolve().parents[2] / "docs" / "clustering.md").read_text()
    assert f"dbt {shlex.join(ASSIGN_COMMAND)}" in clustering


def test_every_run_of_a_step_keeps_a_log_of_its_own() -> None:
    names = [step_log_name(f"{NIGHTLY} #{run}") for run in (1, 2, 3)]
    assert names == ["nightly_dbt_build_run1", "nightly_dbt_build_run2", "nightly_dbt_build_run3"]
    assert step_log_name(FULL_BUILD) == "dbt_build"
    assert step_log_name("floor query (raw Parquet to RFM)") == "floor_query"
    assert step_log_name("dbt layer: staging") == "dbt_layer_staging"
