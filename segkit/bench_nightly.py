"""The runs users repeat every night, measured by `make bench` (issue "Performance").

At each size the bench writes a one-day timeline (``python -m segkit.generate --days 1``:
everything loaded before the last day as one backfill file per table, then that day's
delivery, late rows and all, the way the generator's timeline makes them). It then

1. builds the backfill as of the day before (models only): the state a scheduler
   leaves after last night, and a full rebuild on delivery-shaped data;
2. adds the day's delivery and runs the nightly ``dbt build`` (models only) as of the
   day, from a copy of that state each time, ``runs`` times: the figure is the median
   wall time and the largest peak memory. The as_of date is passed the way README
   "Running every night" recommends for a scheduler, as the environment variable
   SEG_AS_OF, and every run starts from the saved parse the night before left
   (dbt then parses again only the files that read the date; a new ``--vars`` each
   night would make it parse the whole project, about 8 s against 3 s);
3. runs the cluster assignment alone (``cluster_refit: never``, ``runs`` times and
   at least ASSIGN_RUNS_MIN): what scoring new and changed customers costs without a
   refit. Its ``--vars`` differ from the nightly build's, and dbt re-parses the whole
   project when the vars change (about 6 s at any size: every model, test and unit
   test), so the first run is reported on its own (ASSIGN_FIRST) and the target
   figure is the median of the runs after it, which parse partially as any repeated
   invocation does. The command is the one docs/clustering.md ("Scoring between
   builds") gives a scheduler, with ``--no-write-json`` (ASSIGN_COMMAND).

The targets of the issue are checked against these and the one-file measurements by
``targets_table``.
"""

from __future__ import annotations

import json
import shutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from segkit.measure import Measurement
from segkit.soak.deliveries import read_timeline, select_deliveries, sync_folder

GENERATE_TIMELINE = "generate one-day timeline"
FULL_BEFORE_NIGHT = "dbt build before the night (timeline data)"
NIGHTLY = "nightly dbt build (one more day)"
ASSIGN_ONLY = "cluster assignment only (no refit)"
ASSIGN_FIRST = "cluster assignment only, first run after the build (full parse: vars changed)"
# Assignment runs are short: a median needs several, and the first one is set apart,
# so at least three remain for the median (with two it is their mean).
ASSIGN_RUNS_MIN = 4
# Folder (under the size's work folder) keeping the last nightly run's run_results.json.
NIGHTLY_RESULTS = "nightly_run_results"
# The nodes that score customers against a stored cluster model: the fit model
# re-emits the stored version and assigns in Python, customer_clusters in SQL.
ASSIGN_SELECTOR = ["cluster_fit", "customer_clusters"]
# The scoring run as docs/clustering.md gives it: --no-write-json leaves the nightly
# build's manifest.json and run_results.json in place (and skips writing the 5 MB
# manifest twice, about 0.8 s of the run at 1M).
ASSIGN_COMMAND = ["run", "--no-write-json", "--select", *ASSIGN_SELECTOR, "--vars",
                  json.dumps({"cluster_refit": "never"})]

# dbt's saved parse, in the target folder: with it and unchanged vars, dbt parses
# only the files that changed.
PARTIAL_PARSE_FILE = "partial_parse.msgpack"

Measure = Callable[[str, list[str], dict[str, str]], Measurement]


@dataclass(frozen=True)
class Target:
    """One target of the issue: a measured value (seconds, MiB or a ratio) and its limit."""

    name: str
    limit: float
    unit: str


def median_measurement(label: str, runs: Sequence[Measurement]) -> Measurement:
    """Median wall time and the largest peak memory of repeated runs of one step."""
    if not runs:
        raise ValueError(f"{label}: no runs to summarise")
    return Measurement(
        label,
        statistics.median(m.wall_seconds for m in runs),
        max(m.peak_rss_mib for m in runs),
        0,
    )


def summarise_assignment(runs: Sequence[Measurement]) -> dict[str, Measurement]:
    """The assignment-only runs of one size: the first (it re-parses the project,
    since its vars differ from the build before it) as ASSIGN_FIRST, and the median
    of the others (partial parsing) as ASSIGN_ONLY, the figure the target compares."""
    if len(runs) < 2:
        raise ValueError(f"{ASSIGN_ONLY}: {len(runs)} run(s); the first is set apart, so at least 2 are needed")
    return {
        ASSIGN_FIRST: replace(runs[0], label=ASSIGN_FIRST),
        ASSIGN_ONLY: median_measurement(ASSIGN_ONLY, runs[1:]),
    }


def keep_saved_parse(target: Path, kept: Path) -> None:
    """Copy dbt's saved parse from the target folder to `kept` (none saved: `kept` is
    removed), so every nightly run can start from the parse the night before left."""
    saved = target / PARTIAL_PARSE_FILE
    if saved.exists():
        shutil.copyfile(saved, kept)
    else:
        kept.unlink(missing_ok=True)


def restore_saved_parse(target: Path, kept: Path) -> None:
    """Put the parse kept by keep_saved_parse() back in the target folder (none kept:
    the target's saved parse is removed too, so no run reuses another run's parse)."""
    saved = target / PARTIAL_PARSE_FILE
    if kept.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, saved)
    else:
        saved.unlink(missing_ok=True)


def bench_nightly(
    customers: int,
    size_dir: Path,
    as_of: str,
    seed: int,
    python: str,
    dbt: str,
    env: dict[str, str],
    measure: Measure,
    runs: int = 3,
    into: dict[str, Measurement] | None = None,
) -> dict[str, Measurement]:
    """Measure the nightly build and the assignment-only run at one size (module
    docstring); returns the measurements by label. With `into`, each measurement is
    stored there as soon as it is taken, so a step that fails (StepFailed) leaves the
    ones before it."""
    timeline_dir, landing = size_dir / "timeline", size_dir / "landing"
    database = size_dir / "nightly.duckdb"
    snapshot = size_dir / "nightly_before.duckdb"
    results: dict[str, Measurement] = {} if into is None else into
    results[GENERATE_TIMELINE] = measure(GENERATE_TIMELINE, [
        python, "-m", "segkit.generate", "--customers", str(customers), "--seed", str(seed),
        "--end-date", as_of, "--days", "1", "--out", str(timeline_dir),
    ], env)
    timeline = read_timeline(timeline_dir)
    night = timeline.delivery_dates[-1]
    every_table = list(timeline.files)
    sync_folder(landing, select_deliveries(timeline.files, timeline.backfill_date, every_table))
    env = {**env, "SEG_RAW_PATH": str(landing), "SEG_DUCKDB_PATH": str(database)}
    models_only = ["--exclude-resource-type", "test", "unit_test"]

    def build(label: str, day: str, extra: list[str]) -> Measurement:
        return measure(label, [dbt, "build", *models_only, *extra], {**env, "SEG_AS_OF": day})

    database.unlink(missing_ok=True)
    results[FULL_BEFORE_NIGHT] = build(FULL_BEFORE_NIGHT, timeline.backfill_date, [])
    shutil.copyfile(database, snapshot)
    target = Path(env.get("DBT_TARGET_PATH", "target"))
    kept_parse = size_dir / f"before_night_{PARTIAL_PARSE_FILE}"
    keep_saved_parse(target, kept_parse)
    sync_folder(landing, select_deliveries(timeline.files, night, every_table))
    nightly_runs = []
    for run in range(runs):
        shutil.copyfile(snapshot, database)
        # each night finds the parse the night before left, not the previous run's
        restore_saved_parse(target, kept_parse)
        nightly_runs.append(build(f"{NIGHTLY} #{run + 1}", night, []))
    results[NIGHTLY] = median_measurement(NIGHTLY, nightly_runs)
    # where the last nightly run spent its time, kept apart from the target folder
    # (the scoring command writes no run_results.json, but another command might)
    if (target / "run_results.json").exists():
        kept = size_dir / NIGHTLY_RESULTS
        kept.mkdir(exist_ok=True)
        shutil.copyfile(target / "run_results.json", kept / "run_results.json")
    assign_runs = [
        measure(f"{ASSIGN_ONLY} #{run + 1}", [dbt, *ASSIGN_COMMAND], {**env, "SEG_AS_OF": night})
        for run in range(max(runs, ASSIGN_RUNS_MIN))
    ]
    results.update(summarise_assignment(assign_runs))
    snapshot.unlink(missing_ok=True)
    kept_parse.unlink(missing_ok=True)
    return results


def target_rows(
    seconds: Callable[[str], float | None],
    peak_mib: Callable[[str], float | None],
    full_build: str,
    rfm_ratio: float | None,
) -> list[tuple[Target, float | None]]:
    """Each target of the issue with the measured value at one size (None: not measured)."""
    peaks = [p for p in (peak_mib(NIGHTLY), peak_mib(full_build)) if p is not None]
    return [
        (Target("nightly run, models only", 30, "s"), seconds(NIGHTLY)),
        (Target("full rebuild, models only", 120, "s"), seconds(full_build)),
        (Target("peak memory of either", 4 * 1024, "MiB"), max(peaks) if peaks else None),
        (Target("RFM path / floor query", 4, "x"), rfm_ratio),
        (Target("cluster assignment only (no refit)", 5, "s"), seconds(ASSIGN_ONLY)),
    ]


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "MiB":
        return f"{value / 1024:.1f} GiB"
    if unit == "x":
        return f"{value:.1f}x"
    return f"{value:.1f} s"


def targets_markdown(customers: int, rows: list[tuple[Target, float | None]]) -> str:
    """Targets against results at one size: met, or by how much it is missed."""
    lines = [
        f"Targets at {customers:,} customers:",
        "",
        "| target | limit | measured | |",
        "|---|---|---|---|",
    ]
    for target, value in rows:
        if value is None:
            verdict = "not measured"
        elif value <= target.limit:
            verdict = "met"
        else:
            verdict = f"missed by {value / target.limit:.1f}x"
        lines.append(
            f"| {target.name} | {format_value(target.limit, target.unit)} "
            f"| {format_value(value, target.unit)} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
