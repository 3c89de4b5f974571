"""The soak's nights, in order, and its command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
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
) -> dict:
    """Deliver, build nightly, build both references, compare. The nightly database
    persists across nights; each reference database is new and removed afterwards."""
    logs = work / "logs" / f"night-{index:03d}-{date}"
    landing, point_in_time = work / "landing", work / "point_in_time"
    sync_folder(landing, select_deliveries(timeline.files, date, timeline.files.keys()))
    nightly_db = work / "nightly.duckdb"
    nightly_target = work / "target" / "nightly"
    nightly = soak_build("nightly", date, landing, nightly_db, work, logs, threads, [])
    if nightly.status != "success":
        print(f"nightly build failed on {date}:\n{log_tail(PROJECT_DIR / nightly.log)}", flush=True)
    manifest_path = nightly_target / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"nodes": {}}
    specs = compared_tables(manifest)
    cluster_relation = model_relation(manifest, CLUSTER_TABLE)
    sync_folder(point_in_time, select_deliveries(timeline.files, date, POINT_IN_TIME_HELD_BACK))
    references = {}
    for kind, raw in (("full_refresh", landing), ("point_in_time", point_in_time)):
        database = work / "references" / f"{kind}.duckdb"
        remove_database(database)
        database.parent.mkdir(parents=True, exist_ok=True)
        build = soak_build(kind, date, raw, database, work, logs, threads, list(REFERENCE_BUILD_ARGS))
        diffs = None
        if build.status == "success" and nightly_db.exists():
            diffs = compare_databases(nightly_db, database, specs, date, cluster_relation)
        elif nightly.status == "success":  # else it most likely failed the same way
            print(
                f"{kind} build failed on {date}:\n{log_tail(PROJECT_DIR / build.log)}", flush=True
            )
        remove_database(database)
        references[kind] = reference_result(build, diffs)
    history_specs = history_tables(manifest)
    references["history_refresh"] = history_refresh(nightly_db, history_specs, date, work, logs, threads)
    references["published"] = published_check(nightly, nightly_db, manifest)
    return {
        "night": index,
        "date": date,
        "kind": "backfill" if index == 0 else "delivery",
        "nightly": asdict(nightly),
        "references": references,
        "tables": {spec.name: list(spec.key) if spec.key else None for spec in specs + history_specs},
        "materialized": {spec.name: spec.materialized for spec in specs + history_specs},
        "deletions_requested": (
            None if index == 0 else deletions_requested_by_date(timeline.meta).get(date, 0)
        ),
        "persons_purged": persons_purged(
            nightly_db, model_relation(manifest, "int_identity__deletion_audit")
        ),
    }


def history_refresh(
    nightly_db: Path,
    specs: list,
    date: str,
    work: Path,
    logs: Path,
    threads: int | None,
) -> dict:
    """Reference "history_refresh": the history marts rebuilt with --full-refresh on a
    copy of the nightly database (the same stored histories), compared on every date."""
    database = work / "references" / "history_refresh.duckdb"
    remove_database(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    if nightly_db.exists():
        shutil.copyfile(nightly_db, database)
    select = ["--select", *HISTORY_MARTS]
    build = soak_build(
        "history_refresh", date, work / "landing", database, work, logs, threads,
        [*REFERENCE_BUILD_ARGS, *select],
    )
    diffs = None
    if build.status == "success":
        diffs = compare_databases(nightly_db, database, specs, None, None)
    else:
        print(f"history_refresh build failed on {date}:\n{log_tail(PROJECT_DIR / build.log)}", flush=True)
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
        night = run_night(index, date, timeline, work, config.threads)
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
        "--timeline",
        type=Path,
        default=None,
        help="soak this ready timeline folder (<table>/<date>.parquet, _timeline.json)",
    )
    args = parser.parse_args(argv)
    if args.days < 1 or args.customers < 1:
        parser.error("--days and --customers must be at least 1")
    config = SoakConfig(
        days=args.days,
        customers=args.customers,
        seed=args.seed,
        work=args.work,
        out=args.out,
        keep_going=args.keep_going,
        threads=args.threads,
        timeline=args.timeline,
    )
    document = run_soak(config)
    print(document["summary"], flush=True)
    return 1 if document["totals"]["nights_failed"] else 0
