"""`make bench`: the pipeline against the pandas recipe and a bare-SQL floor, at growing scale.

For each size it generates clean sample data (dirt off, so all three compute the
same RFM numbers), then measures as whole processes, each with wall time and peak
resident memory:

1. the full ``dbt build`` on DuckDB (models only, no tests), then each layer again
   on its own (staging, features, segments, clustering) and the RFM path
   (``+int_customers__rfm``, raw files to RFM);
2. the pandas recipe (RFM + K-Means with k by silhouette over 2..9);
3. the floor: one DuckDB query from the raw Parquet files to the RFM table.

It checks the three RFM tables agree, prints the ratios, and writes a Markdown table,
a JSON file and a PNG chart under the results folder, with the machine's cores and
memory. The slowest models of the largest size are listed from dbt's run_results.json.

    python -m segkit.bench --sizes 10000,100000,1000000 --out bench/results
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from segkit.bench_nightly import (
    NIGHTLY, NIGHTLY_RESULTS, Target, bench_nightly, target_rows, targets_markdown,
)
from segkit.bench_recipes import compare_rfm
from segkit.measure import Measurement, StepFailed, run_measured

LAYERS: dict[str, str] = {
    "staging": "path:models/staging path:models/intermediate/identity",
    "features": "path:models/intermediate/core path:models/intermediate/features path:models/marts/features",
    "segments": "path:models/marts/segments",
    "clustering": "path:python_models path:models/intermediate/clustering path:models/marts/clustering",
}
RFM_PATH_SELECTOR = "+int_customers__rfm"
# The layer and RFM-path runs follow the full build on the same database, where the
# incremental models (base staging tables, dailies, sessions, history marts) would
# otherwise only process what changed (nothing): --full-refresh measures their work
# from the raw files, as the floor query and the pandas recipe do theirs.
FULL_WORK = ["--full-refresh"]

# Step labels, shared by the measurements, the ratios and the report.
GENERATE = "generate sample data"
FULL_BUILD = "dbt build (all models)"
# How often a dbt run's process tree memory is sampled (to name the nodes running at
# the peak; the kernel's maximum stays the figure). Other steps are not sampled.
MEMORY_SAMPLE_SECONDS = 0.25
RFM_PATH = f"dbt RFM path ({RFM_PATH_SELECTOR})"
FLOOR = "floor query (raw Parquet to RFM)"
PANDAS_RFM = "pandas recipe (RFM only)"
PANDAS_FULL = "pandas recipe (RFM + k-means)"


@dataclass
class SizeResult:
    """Every measurement of one data size, and whether the RFM tables agreed."""

    customers: int
    measurements: dict[str, Measurement] = field(default_factory=dict)
    rfm_agreement: dict[str, list[str]] = field(default_factory=dict)
    slowest_models: list[tuple[str, float]] = field(default_factory=list)
    slowest_nightly_models: list[tuple[str, float]] = field(default_factory=list)
    layer_seconds_in_build: dict[str, float] = field(default_factory=dict)
    # the full build's and the last nightly run's sampled memory peak: MiB, and the
    # nodes running at that moment (from run_results.json)
    peak_nodes: dict[str, tuple[float, list[str]]] = field(default_factory=dict)
    # the step that failed and why (the steps after it did not run); None when all ran
    stopped: str | None = None

    def seconds(self, label: str) -> float | None:
        m = self.measurements.get(label)
        return m.wall_seconds if m else None


# The DuckDB memory cap the builds ran under: the profile reads it from this variable
# (profiles.yml.example), and peak memory depends on it, so every result names it.
MEMORY_LIMIT_VARIABLE = "SEG_DUCKDB_MEMORY_LIMIT"


def machine_info() -> dict[str, str]:
    """Cores and memory of this machine and the DuckDB memory cap, recorded with every result."""
    mem_kib = next(
        (int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal:")),
        0,
    )
    return {
        "cores": str(os.cpu_count()),
        "memory_gib": f"{mem_kib / 1024 / 1024:.1f}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "duckdb_memory_limit": os.environ.get(MEMORY_LIMIT_VARIABLE) or "the profile's default",
        "platform": platform.platform(),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either side is missing or zero."""
    if not numerator or not denominator:
        return None
    return numerator / denominator


def markdown_table(results: list[SizeResult], info: dict[str, str]) -> str:
    """The results as the Markdown table the README quotes."""
    labels = sorted({label for r in results for label in r.measurements}, key=_label_order)
    lines = [
        f"Machine: {info['cores']} cores, {info['memory_gib']} GiB RAM, Python {info['python']}, "
        f"DuckDB {info['duckdb']}, memory_limit {info['duckdb_memory_limit']} ({MEMORY_LIMIT_VARIABLE}).",
        "",
        "| step | " + " | ".join(f"{r.customers:,} customers" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for label in labels:
        cells = []
        for r in results:
            m = r.measurements.get(label)
            cells.append(f"{m.wall_seconds:.1f} s / {m.peak_rss_mib:,.0f} MiB" if m else "n/a")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for layer in LAYERS:
        lines.append(f"| layer {layer}: model time inside the full build | " + " | ".join(
            f"{r.layer_seconds_in_build[layer]:.1f} s" if layer in r.layer_seconds_in_build else "n/a"
            for r in results) + " |")
    lines.append("| **RFM path / floor** | " + " | ".join(
        _fmt_ratio(ratio(r.seconds(RFM_PATH), r.seconds(FLOOR)))
        for r in results) + " |")
    lines.append("| **pandas recipe / full dbt build** | " + " | ".join(
        _fmt_ratio(ratio(r.seconds(PANDAS_FULL), r.seconds(FULL_BUILD)))
        for r in results) + " |")
    lines.append("| RFM numbers agree (pipeline = pandas = floor) | " + " | ".join(
        "yes" if r.rfm_agreement and not any(r.rfm_agreement.values())
        else "; ".join(f"{k}: {', '.join(v)}" for k, v in r.rfm_agreement.items() if v) or "not checked"
        for r in results) + " |")
    return "\n".join(lines) + "\n"


def _fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "n/a"


def _label_order(label: str) -> tuple[int, str]:
    order = ["generate", "dbt build", "dbt layer", "dbt RFM", "floor", "pandas", "nightly", "cluster"]
    return next((i for i, prefix in enumerate(order) if label.startswith(prefix)), len(order)), label


def plot(results: list[SizeResult], path: Path) -> None:
    """Time and peak memory against customers, log scales, one line per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({label for r in results for label in r.measurements}, key=_label_order)
    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(13, 5))
    for label in labels:
        points = [(r.customers, r.measurements[label]) for r in results if label in r.measurements]
        xs = [p[0] for p in points]
        ax_time.plot(xs, [p[1].wall_seconds for p in points], marker="o", label=label)
        ax_mem.plot(xs, [p[1].peak_rss_mib for p in points], marker="o", label=label)
    for ax, title, unit in ((ax_time, "Wall time", "seconds"), (ax_mem, "Peak resident memory", "MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("customers")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax_mem.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def layer_seconds(target_path: Path) -> dict[str, float]:
    """Seconds spent in each layer's models during the last dbt invocation (sum of
    node execution times from run_results.json; threads may overlap them)."""
    manifest = json.loads((target_path / "manifest.json").read_text())["nodes"]
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    prefixes = {layer: [p.removeprefix("path:") + "/" for p in selector.split()] for layer, selector in LAYERS.items()}
    totals = dict.fromkeys(LAYERS, 0.0)
    for result in results:
        path = manifest.get(result["unique_id"], {}).get("original_file_path", "")
        for layer, layer_prefixes in prefixes.items():
            if result["unique_id"].startswith("model.") and path.startswith(tuple(layer_prefixes)):
                totals[layer] += float(result["execution_time"])
    return totals


def slowest_models(target_path: Path, top: int = 10) -> list[tuple[str, float]]:
    """The slowest nodes of the last dbt invocation, from its run_results.json."""
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    timed = sorted(((r["unique_id"], float(r["execution_time"])) for r in results), key=lambda x: -x[1])
    return timed[:top]


def nodes_running_at(target_path: Path, moment: float | None) -> list[str]:
    """The nodes of the last dbt invocation whose execution spanned `moment` (Unix
    time), from the execute timings in its run_results.json; none without a moment."""
    if moment is None:
        return []
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    running = []
    for result in results:
        for timing in result.get("timing", []):
            if timing.get("name") != "execute" or not (timing.get("started_at") and timing.get("completed_at")):
                continue
            started, completed = (
                datetime.fromisoformat(timing[key].replace("Z", "+00:00")).timestamp()
                for key in ("started_at", "completed_at")
            )
            if started <= moment <= completed:
                running.append(result["unique_id"])
    return sorted(running)


def pipeline_rfm(database: Path) -> pd.DataFrame:
    """The pipeline's RFM for buyers, read from the built customer_features mart."""
    with duckdb.connect(str(database), read_only=True) as con:
        schema = con.execute(
            "select table_schema from information_schema.tables where table_name = 'customer_features'"
        ).fetchall()[0][0]
        return con.execute(
            f'select customer_id, days_since_last_order, count_orders, cast(total_revenue as double) '
            f'as total_revenue from "{schema}".customer_features where count_orders > 0'
        ).df()


def bench_size(customers: int, work: Path, as_of: str, seed: int, python: str, dbt: str,
               layer_runs_max: int, nightly_runs: int = 3) -> SizeResult:
    """Generate one size and measure every step on it. A step that fails stops the
    size: the result keeps the steps measured before it and names the failure in
    `stopped` (a 1M run can stop after an hour; what it measured is still worth keeping)."""
    result = SizeResult(customers)
    try:
        _measure_size(result, work, as_of, seed, python, dbt, layer_runs_max, nightly_runs)
    except StepFailed as failure:
        result.stopped = str(failure)
    return result


def _measure_size(result: SizeResult, work: Path, as_of: str, seed: int, python: str, dbt: str,
                  layer_runs_max: int, nightly_runs: int) -> None:
    """bench_size's steps, in order; each measurement lands in `result` as it is taken."""
    customers = result.customers
    size_dir = work / f"n{customers}"
    raw, logs, target = size_dir / "raw", size_dir / "logs", size_dir / "target"
    database = size_dir / "segmentation.duckdb"
    shutil.rmtree(size_dir, ignore_errors=True)
    logs.mkdir(parents=True)

    runs: dict[str, Measurement] = {}

    def run(label: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
        log_name = step_log_name(label)
        print(f"  {label} ...", flush=True)
        m = run_measured(label, command, env=env, log_path=str(logs / f"{log_name}.log"),
                         sample_every=MEMORY_SAMPLE_SECONDS if command[0] == dbt else None)
        runs[label] = m
        print(f"    {m.wall_seconds:.1f} s, peak {m.peak_rss_mib:,.0f} MiB", flush=True)
        return m

    def measure(label: str, command: list[str], env: dict[str, str] | None = None) -> None:
        result.measurements[label] = run(label, command, env)

    measure(GENERATE, [python, "-m", "segkit.generate", "--customers", str(customers),
                                     "--seed", str(seed), "--end-date", as_of, "--dirt", "all=0",
                                     "--out", str(raw)])
    # the as_of of these runs is the one in --vars (the nightly runs set SEG_AS_OF
    # themselves): a SEG_AS_OF left in the caller's environment would conflict with it
    env = {**os.environ, "SEG_RAW_PATH": str(raw), "SEG_DUCKDB_PATH": str(database),
           "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(size_dir / "dbt_logs"), "SEG_AS_OF": ""}
    dbt_vars = ["--vars", json.dumps({"as_of": as_of})]
    no_tests = ["--exclude-resource-type", "test", "unit_test"]
    measure(FULL_BUILD, [dbt, "build", *no_tests, *dbt_vars], env)
    result.slowest_models = slowest_models(target)
    result.peak_nodes[FULL_BUILD] = peak_context(runs[FULL_BUILD], target)
    result.layer_seconds_in_build = layer_seconds(target)
    print(f"  layers inside the full build: {result.layer_seconds_in_build}", flush=True)
    if customers <= layer_runs_max:
        for layer, selector in LAYERS.items():
            measure(f"dbt layer: {layer}", [dbt, "run", "--select", *selector.split(), *FULL_WORK, *dbt_vars], env)
    measure(RFM_PATH, [dbt, "run", "--select", RFM_PATH_SELECTOR, *FULL_WORK, *dbt_vars], env)
    floor_out, pandas_out = size_dir / "rfm_floor.parquet", size_dir / "rfm_pandas.parquet"
    measure(FLOOR, [python, "-m", "segkit.bench_recipes", "floor", "--raw",
                                                 str(raw), "--as-of", as_of, "--out", str(floor_out)])
    measure(PANDAS_RFM, [python, "-m", "segkit.bench_recipes", "pandas", "--raw", str(raw),
                                         "--as-of", as_of, "--no-clustering", "--out", str(pandas_out)])
    measure(PANDAS_FULL, [python, "-m", "segkit.bench_recipes", "pandas", "--raw",
                                              str(raw), "--as-of", as_of, "--out", str(pandas_out)])
    pipeline = pipeline_rfm(database)
    floor, pandas_rfm = pd.read_parquet(floor_out), pd.read_parquet(pandas_out)
    result.rfm_agreement = {
        "pipeline vs floor": compare_rfm(pipeline, floor),
        "pipeline vs pandas": compare_rfm(pipeline, pandas_rfm),
    }
    print(f"  RFM agreement: {result.rfm_agreement}", flush=True)
    if nightly_runs:
        nightly_env = {**env, "DBT_TARGET_PATH": str(size_dir / "nightly_target")}
        bench_nightly(customers, size_dir, as_of, seed, python, dbt, nightly_env, run, nightly_runs,
                      into=result.measurements)
        if (size_dir / NIGHTLY_RESULTS / "run_results.json").exists():
            result.slowest_nightly_models = slowest_models(size_dir / NIGHTLY_RESULTS)
            last_night = [label for label in runs if label.startswith(f"{NIGHTLY} #")][-1]
            result.peak_nodes[NIGHTLY] = peak_context(runs[last_night], size_dir / NIGHTLY_RESULTS)


def step_log_name(label: str) -> str:
    """The log file name (no suffix) of a step: its label without the parenthesised
    part, with the run number kept, so repeated runs of a step keep a log each
    ("nightly dbt build (one more day) #2" -> "nightly_dbt_build_run2")."""
    name = re.sub(r"\s*\([^)]*\)", "", label).strip()
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name.replace("#", "run")).strip("_")


def peak_context(measurement: Measurement, target_path: Path) -> tuple[float, list[str]]:
    """A dbt run's highest sampled memory (MiB; 0 without samples) and the nodes running then."""
    return (measurement.peak_sampled_mib or 0.0,
            nodes_running_at(target_path, measurement.peak_sampled_at))


def size_targets(result: SizeResult) -> list[tuple[Target, float | None]]:
    """The issue's targets against one size's measurements."""
    def peak(label: str) -> float | None:
        m = result.measurements.get(label)
        return m.peak_rss_mib if m else None

    return target_rows(result.seconds, peak, FULL_BUILD, ratio(result.seconds(RFM_PATH), result.seconds(FLOOR)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the pipeline against pandas and a SQL floor.")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10000,100000,1000000"),
                        help="comma-separated customer counts (env BENCH_SIZES)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--work", type=Path, default=Path("data/bench"))
    parser.add_argument("--as-of", default="2026-10-31")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--layer-runs-max", type=int, default=int(os.environ.get("BENCH_LAYER_RUNS_MAX", "10000000")),
                        help="re-run each layer as its own process only up to this size; above it, layer times "
                             "come from the full build's run_results.json (env BENCH_LAYER_RUNS_MAX)")
    parser.add_argument("--nightly-runs", type=int, default=int(os.environ.get("BENCH_NIGHTLY_RUNS", "3")),
                        help="runs of the nightly build and of the assignment-only run per size (median "
                             "reported); 0 skips them (env BENCH_NIGHTLY_RUNS)")
    args = parser.parse_args(argv)
    python = sys.executable
    dbt = str(Path(python).with_name("dbt"))
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    info = machine_info()
    results: list[SizeResult] = []
    args.out.mkdir(parents=True, exist_ok=True)
    for customers in sizes:
        print(f"== {customers:,} customers", flush=True)
        results.append(bench_size(customers, args.work, args.as_of, args.seed, python, dbt, args.layer_runs_max,
                                  args.nightly_runs))
        write_results(results, info, args.out)
        if results[-1].stopped:
            break
    print()
    print(results_markdown(results, info))
    if results[-1].stopped:
        print(f"The bench stopped; {args.out / 'latest.md'} keeps the steps measured before it.")
        return 2
    disagree = [r.customers for r in results if any(r.rfm_agreement.values())]
    if disagree:
        print(f"RFM numbers disagree at sizes {disagree}: the comparison is not fair until fixed.")
        return 1
    return 0


def results_markdown(results: list[SizeResult], info: dict[str, str]) -> str:
    """latest.md: the table of every size, where the last size stopped (if it did), its
    slowest nodes and memory peaks, and its targets."""
    last = results[-1]
    stopped = ""
    if last.stopped:
        stopped = (f"\n**Stopped at {last.customers:,} customers**, the steps after it did not run: "
                   f"{last.stopped}\n")
    return (markdown_table(results, info) + stopped + _slowest_markdown(last) + "\n"
            + targets_markdown(last.customers, size_targets(last)))


def write_results(results: list[SizeResult], info: dict[str, str], out: Path) -> None:
    """latest.md, latest.json and latest.png under `out`, rewritten after every size."""
    (out / "latest.md").write_text(results_markdown(results, info))
    (out / "latest.json").write_text(json.dumps(
        {"machine": info, "results": [
            {"customers": r.customers, "stopped": r.stopped, "rfm_agreement": r.rfm_agreement,
             "slowest_models": r.slowest_models,
             "slowest_nightly_models": r.slowest_nightly_models,
             "layer_seconds_in_build": r.layer_seconds_in_build,
             "peak_nodes": {label: {"sampled_peak_mib": mib, "running": nodes}
                            for label, (mib, nodes) in r.peak_nodes.items()},
             "targets": [{"target": t.name, "limit": t.limit, "unit": t.unit, "measured": value}
                         for t, value in size_targets(r)],
             "measurements": {k: asdict(v) for k, v in r.measurements.items()}} for r in results]},
        indent=2))
    plot(results, out / "latest.png")


def _slowest_markdown(result: SizeResult) -> str:
    lines = ["", f"Slowest nodes of the full build at {result.customers:,} customers:", "",
             "| node | seconds |", "|---|---|"]
    lines += [f"| {node} | {seconds:.1f} |" for node, seconds in result.slowest_models]
    if result.slowest_nightly_models:
        lines += ["", f"Slowest nodes of the last nightly run at {result.customers:,} customers:", "",
                  "| node | seconds |", "|---|---|"]
        lines += [f"| {node} | {seconds:.1f} |" for node, seconds in result.slowest_nightly_models]
    if result.peak_nodes:
        lines += ["", f"Running at the memory peak (the process tree's resident memory sampled every "
                      f"{MEMORY_SAMPLE_SECONDS} s; the peak figures above are the kernel's) at "
                      f"{result.customers:,} customers:", "",
                  "| run | sampled peak | nodes running |", "|---|---|---|"]
        for label, (mib, nodes) in result.peak_nodes.items():
            running = ", ".join(node.split(".")[-1] for node in nodes)
            running = running or "no node (start-up, parsing or artifacts)"
            lines.append(f"| {label} | {mib:,.0f} MiB | {running} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
