"""The soak's nights, in order, and its command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from segkit.soak.builds import PROJECT_DIR, Build, log_tail, remove_database, run_build
from segkit.soak.compare import compare_databases, compare_published, quote
from segkit.soak.deliveries import (
    POINT_IN_TIME_HELD_BACK,
    Timeline,
    deletions_requested_by_date,
    read_timeline,
    select_deliveries,
    sync_folder,
)
from segkit.soak.results import (
    check_result,
    night_failed,
    progress_line,
    reference_result,
    results_document,
    write_results,
)
from segkit.soak.tables import (
    HISTORY_MARTS,
    compared_tables,
    history_tables,
    model_relation,
    published_tables,
)

CLUSTER_TABLE = "customer_clusters"
# Arguments of every reference build: rebuilt from scratch, models only (the tests
# run in the nightly build, whose tables the references are compared with).
REFERENCE_BUILD_ARGS = ("--full-refresh", "--exclude-resource-type", "test", "unit_test")


@dataclass(frozen=True)
class SoakConfig:
    days: int
    customers: int
    seed: int
    work: Path
    out: Path
    keep_going: bool = False
    threads: int | None = None
    timeline: Path | None = None
    jobs: int = 2


def generate_timeline(config: SoakConfig, folder: Path) -> None:
    """The generator's timeline mode, as its own process (the real input of the soak)."""
    shutil.rmtree(folder, ignore_errors=True)
    command = [
        sys.executable, "-m", "segkit.generate",
        "--customers", str(config.customers), "--seed", str(config.seed),
        "--days", str(config.days), "--out", str(folder),
    ]  # fmt: skip
    subprocess.run(command, cwd=PROJECT_DIR, check=True)


def persons_purged(database: Path, relation: tuple[str, str] | None) -> int | None:
    """Persons the deletion requests removed, from the nightly's int_identity__deletion_audit."""
    if relation is None or not database.exists():
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        row = con.execute(
            f"select count_rows_removed from {quote(relation[0])}.{quote(relation[1])}"
            " where entity = 'persons'"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return int(row[0]) if row else None


def soak_build(
    kind: str,
    as_of: str,
    raw: Path,
    database: Path,
    work: Path,
    night_logs: Path,
    threads: int | None,
    extra_args: list[str],
) -> Build:
    """A build of the soak: target and dbt log paths of its own kind under ``work``."""
    return run_build(
        kind,
        as_of,
        raw,
        database,
        work / "target" / kind,
        work / "dbt_logs" / kind,
        night_logs / f"{kind}.log",
        threads,
        extra_args,
    )


def run_night(
    index: int,
    date: str,
    timeline: Timeline,
    work: Path,
    threads: int | None,
    jobs: int = 1,
) -> dict:
    """Deliver, build nightly, build the references, compare. The nightly database
    persists across nights; each reference database is new and removed afterwards.

    The builds are separate processes on separate files: up to ``jobs`` run at once (the
    nightly build beside the full-refresh and point-in-time builds, then the history
    refresh, which copies the nightly database). The comparisons run one after the other
    in this process once their builds are done."""
    logs = work / "logs" / f"night-{index:03d}-{date}"
    landing, point_in_time = work / "landing", work / "point_in_time"
    sync_folder(landing, select_deliveries(timeline.files, date, timeline.files.keys()))
    sync_folder(point_in_time, select_deliveries(timeline.files, date, POINT_IN_TIME_HELD_BACK))
    nightly_db = work / "nightly.duckdb"
    nightly_target = work / "target" / "nightly"
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        nightly_build = pool.submit(
            soak_build, "nightly", date, landing, nightly_db, work, logs, threads, []
        )
        reference_builds = {
            kind: pool.submit(reference_build, kind, date, raw, work, logs, threads)
            for kind, raw in (("full_refresh", landing), ("point_in_time", point_in_time))
        }
        nightly = nightly_build.result()
        if nightly.status != "success":
            report_failure(nightly, date)
        history_build = pool.submit(history_refresh_build, nightly_db, date, work, logs, threads)
        manifest_path = nightly_target / "manifest.json"
        manifest = (
            json.loads(manifest_path.read_text()) if manifest_path.exists() else {"nodes": {}}
        )
        specs = compared_tables(manifest)
        cluster_relation = model_relation(manifest, CLUSTER_TABLE)
        references = {}
        for kind, future in reference_builds.items():
            build = future.result()
            database = reference_database(work, kind)
            diffs = None
            if build.status == "success" and nightly_db.exists():
                diffs = compare_databases(nightly_db, database, specs, date, cluster_relation)
            elif nightly.status == "success":  # else it most likely failed the same way
                report_failure(build, date)
            remove_database(database)
            references[kind] = reference_result(build, diffs)
        history_specs = history_tables(manifest)
        references["history_refresh"] = history_refresh_check(
            history_build.result(), nightly_db, history_specs, work, date
        )
    references["published"] = published_check(nightly, nightly_db, manifest)
    return {
        "night": index,
        "date": date,
        "kind": "backfill" if index == 0 else "delivery",
        "nightly": asdict(nightly),
        "references": references,
        "tables": {
            spec.name: list(spec.key) if spec.key else None for spec in specs + history_specs
        },
        "materialized": {spec.name: spec.materialized for spec in specs + history_specs},
        "deletions_requested": (
            None if index == 0 else deletions_requested_by_date(timeline.meta).get(date, 0)
        ),
        "persons_purged": persons_purged(
            nightly_db, model_relation(manifest, "int_identity__deletion_audit")
        ),
    }


def report_failure(build: Build, date: str) -> None:
    print(f"{build.kind} build failed on {date}:\n{log_tail(PROJECT_DIR / build.log)}", flush=True)


def reference_database(work: Path, kind: str) -> Path:
    return work / "references" / f"{kind}.duckdb"


def reference_build(
    kind: str, date: str, raw: Path, work: Path, logs: Path, threads: int | None
) -> Build:
    """A reference build from scratch into a new database of its own."""
    database = reference_database(work, kind)
    remove_database(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    return soak_build(kind, date, raw, database, work, logs, threads, list(REFERENCE_BUILD_ARGS))


def history_refresh_build(
    nightly_db: Path, date: str, work: Path, logs: Path, threads: int | None
) -> Build:
    """Reference "history_refresh": the history marts rebuilt with --full-refresh on a
    copy of the nightly database (the same stored histories)."""
    database = reference_database(work, "history_refresh")
    remove_database(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    if nightly_db.exists():
        shutil.copyfile(nightly_db, database)
    select = ["--select", *HISTORY_MARTS]
    return soak_build(
        "history_refresh", date, work / "landing", database, work, logs, threads,
        [*REFERENCE_BUILD_ARGS, *select],
    )


def history_refresh_check(
    build: Build, nightly_db: Path, specs: list, work: Path, date: str
) -> dict:
    """The history refresh compared with the nightly database on every stored date and
    every column: both sides are computed from the same stored history, so the first
    assignments (first_assigned_date) are compared too."""
    database = reference_database(work, "history_refresh")
    diffs = None
    if build.status == "success":
        diffs = compare_databases(nightly_db, database, specs, None, None, uncompared=frozenset())
    else:
        report_failure(build, date)
    remove_database(database)
    return reference_result(build, diffs)


def published_check(nightly: Build, nightly_db: Path, manifest: dict) -> dict:
    """Reference "published": the file the nightly build published for BI readers
    (<folder>/published/<file>, docs/bi.md) against the nightly database, every mart
    on every as_of_date. Skipped when the nightly build failed (it publishes nothing)."""
    path = nightly_db.parent / "published" / nightly_db.name
    if nightly.status != "success" or not path.exists():
        return check_result(0.0, None, skipped=f"no publication to compare ({path})")
    started = time.monotonic()
    diffs = compare_published(nightly_db, path, published_tables(manifest))
    return check_result(round(time.monotonic() - started, 1), diffs)


def parameters(config: SoakConfig) -> dict:
    return {
        "days": config.days,
        "customers": config.customers,
        "seed": config.seed,
        "threads": config.threads,
        "jobs": config.jobs,
        "keep_going": config.keep_going,
        "timeline": str(config.timeline)
        if config.timeline
        else "generated (segkit.generate --days)",
    }


def run_soak(config: SoakConfig) -> dict:
    """Every night of the timeline in order; stops after the first failing night
    unless keep_going. Results are written after every night, so an interrupted
    soak still leaves them."""
    work = config.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    timeline_dir = config.timeline.resolve() if config.timeline else work / "timeline"
    if config.timeline is None:
        generate_timeline(config, timeline_dir)
    timeline = read_timeline(timeline_dir)
    stale_folders = (
        "landing", "point_in_time", "references", "logs", "target", "dbt_logs", "published",
    )
    for stale in stale_folders:
        shutil.rmtree(work / stale, ignore_errors=True)
    remove_database(work / "nightly.duckdb")
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    nights: list[dict] = []
    document: dict = {}
    for index, date in enumerate(timeline.nights):
        night = run_night(index, date, timeline, work, config.threads, config.jobs)
        nights.append(night)
        print(progress_line(night, len(timeline.nights)), flush=True)
        document = results_document(parameters(config), timeline, nights, started)
        write_results(document, config.out)
        if night_failed(night) and not config.keep_going:
            print(
                f"stopping after the first failing night ({date}); --keep-going runs every night",
                flush=True,
            )
            break
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segkit.soak",
        description="Nightly incremental builds on a generated timeline, compared every night "
        "with a full-refresh and a point-in-time build.",
    )
    parser.add_argument("--days", type=int, default=30, help="delivered days after the backfill")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--work", type=Path, default=Path("data/soak"), help="work folder (rebuilt)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("soak/results"), help="where latest.json/md go"
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="run every night even after a failure"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="dbt threads (env SEG_THREADS of each build)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="builds run at once (default 2: the nightly beside the references); 1 runs them "
        "one by one, for build times without a neighbour",
    )
    parser.add_argument(
        "--timeline",
        type=Path,
        default=None,
        help="soak this ready timeline folder (<table>/<date>.parquet, _timeline.json)",
    )
    args = parser.parse_args(argv)
    if args.days < 1 or args.customers < 1 or args.jobs < 1:
        parser.error("--days, --customers and --jobs must be at least 1")
    config = SoakConfig(
        days=args.days,
        customers=args.customers,
        seed=args.seed,
        work=args.work,
        out=args.out,
        keep_going=args.keep_going,
        threads=args.threads,
        timeline=args.timeline,
        jobs=args.jobs,
    )
    document = run_soak(config)
    print(document["summary"], flush=True)
    return 1 if document["totals"]["nights_failed"] else 0
