"""The soak's results: totals, the summary line, latest.json and latest.md."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

import duckdb

from segkit.soak.builds import Build
from segkit.soak.compare import RELATIVE_TOLERANCE, TableDiff
from segkit.soak.deliveries import POINT_IN_TIME_HELD_BACK, Timeline
from segkit.soak.tables import EXCLUDED_TABLES

REFERENCES = ("full_refresh", "point_in_time", "history_refresh", "published")


COMPARISON_RULES = [
    "Tables: every table or incremental model under models/marts and every incremental model "
    "anywhere (from the nightly build's manifest.json), minus the exclusions below.",
    "Key: the smallest key of a `unique` or `expect_compound_columns_to_be_unique` test on the "
    "model; rows are matched on it (null equals null). A table without one is compared as a "
    "multiset (except all, both ways).",
    "A table with an as_of_date column is compared on as_of_date = D only: the nightly database's "
    "history tables hold every earlier night too, a from-scratch build only D.",
    "History refresh: the history marts (tables.HISTORY_MARTS), which no build from scratch can "
    "reproduce, are rebuilt with --full-refresh on a copy of the nightly database and compared on "
    "every as_of_date.",
    "Cluster ids are arbitrary labels (the nightly fit keeps the previous night's ids, a fresh fit "
    "orders them by a feature): in each database every cluster id is replaced by the smallest "
    "customer_id that customer_clusters assigns to it, in every column named cluster_id or "
    "*_cluster_id. Equal labels mean equal partitions; an id no customer has is kept as "
    "'unmapped <id>'.",
    "Every build runs with cluster_refit=always and propensity_refit=always (each night fits a "
    "new cluster and propensity model version, as a from-scratch build does); model_version (the "
    "count of fits in that database) is not compared.",
    f"Floating-point columns are equal when both are null or |a - b| <= {RELATIVE_TOLERANCE:g} * "
    "max(1, |a|, |b|); every other column exactly, null equal to null.",
    "A row differs when its key is on one side only or any compared column differs; a missing "
    "table, a missing column or a column typed differently counts as a difference too.",
    "Published: every public mart of the file the nightly build published (docs/bi.md), which "
    "carries the history marts over from the previous-but-one publication, against the "
    "nightly database's mart, on every as_of_date, exactly (no tolerance, cluster ids as "
    "they are).",
    "'failures' in the summary line counts failing nights: a build failed or a table differed.",
]


def table_result(diff: TableDiff) -> dict:
    entry = asdict(diff)
    entry["differences"] = diff.differences
    if not diff.differences:
        for empty in ("columns_differing", "schema_differences", "examples"):
            entry.pop(empty)
    return entry


def reference_result(build: Build | None, diffs: list[TableDiff] | None) -> dict:
    entry = {"build": asdict(build)} if build else {}
    if diffs is not None:
        entry["tables_compared"] = len(diffs)
        entry["rows_differing"] = sum(diff.differences for diff in diffs)
        entry["tables"] = [table_result(diff) for diff in diffs]
    return entry


def check_result(seconds: float, diffs: list[TableDiff] | None, skipped: str = "") -> dict:
    """A reference that is a comparison without a build of its own (published): its
    "check" has a build's status, seconds and failures."""
    status = "skipped" if skipped else "success"
    failures = [skipped] if skipped else []
    entry = {"check": {"status": status, "seconds": seconds, "failures": failures}}
    if diffs is not None:
        entry.update(reference_result(None, diffs))
    return entry


def reference_run(reference: dict) -> dict:
    """The reference's build, or its check when it has no build."""
    return reference.get("build") or reference["check"]


def night_failed(night: dict) -> bool:
    builds = [night["nightly"]] + [
        reference_run(night["references"][name]) for name in night["references"]
    ]
    return any(build["status"] != "success" for build in builds) or any(
        reference.get("rows_differing", 0) for reference in night["references"].values()
    )


def progress_line(night: dict, total: int) -> str:
    parts = [
        f"night {night['night']}/{total - 1} {night['date']}:",
        f"nightly {night['nightly']['seconds']:.0f}s {night['nightly']['status']}",
    ]
    for kind, reference in night["references"].items():
        build = reference_run(reference)
        if build["status"] != "success":
            parts.append(f"{kind} {build['seconds']:.0f}s FAILED")
            continue
        differing = [
            f"{t['table']} {t['differences']}"
            for t in reference.get("tables", [])
            if t["differences"]
        ]
        detail = f" ({', '.join(differing)})" if differing else ""
        rows = reference.get("rows_differing", 0)
        parts.append(f"{kind} {build['seconds']:.0f}s, {rows} rows differing{detail}")
    return " ".join(parts[:2]) + "; " + "; ".join(parts[2:])


def first_failures(nights: list[dict], limit: int = 10) -> list[str]:
    """The first failures in night order, named by build or by table, key and column."""
    found: list[str] = []
    for night in nights:
        builds = [("nightly", night["nightly"])] + [
            (kind, reference_run(reference)) for kind, reference in night["references"].items()
        ]
        for kind, build in builds:
            found += [f"{night['date']} {kind} build: {failure}" for failure in build["failures"]]
        for kind, reference in night["references"].items():
            for table in reference.get("tables", []):
                found += [
                    f"{night['date']} {kind} {table['table']}: {note}"
                    for note in table.get("schema_differences", [])
                ]
                found += [
                    f"{night['date']} {kind} {table['table']} {describe_example(example)}"
                    for example in table.get("examples", [])
                ]
        if len(found) >= limit:
            break
    return found[:limit]


def describe_example(example: dict) -> str:
    if "row" in example:
        return f"row only in {example['only_in']}: {example['row']}"
    key = ", ".join(f"{k}={v}" for k, v in example["key"].items())
    if "repeated_in" in example:
        return f"{key}: key repeated in {example['repeated_in']}"
    if "only_in" in example:
        return f"{key}: only in {example['only_in']}"
    columns = "; ".join(
        f"{column} nightly {values['nightly']!r} vs reference {values['reference']!r}"
        for column, values in example["columns"].items()
    )
    return f"{key}: {columns}"


def totals(nights: list[dict], timeline: Timeline) -> dict:
    builds = [night["nightly"] for night in nights] + [
        reference["build"]
        for night in nights
        for reference in night["references"].values()
        if "build" in reference
    ]
    checks = [
        reference["check"]
        for night in nights
        for reference in night["references"].values()
        if "check" in reference
    ]
    purged = [night["persons_purged"] for night in nights]
    return {
        "nights": len(nights),
        "nights_planned": len(timeline.nights),
        "builds": len(builds),
        "builds_failed": sum(build["status"] != "success" for build in builds),
        "checks_not_run": sum(check["status"] != "success" for check in checks),
        "nights_failed": sum(night_failed(night) for night in nights),
        "tables_compared": len({table for night in nights for table in night["tables"]}),
        "rows_differing": {
            kind: sum(night["references"].get(kind, {}).get("rows_differing", 0) for night in nights)
            for kind in REFERENCES
        },
        # planted on the delivered nights; the backfill's requests are not planted ones
        "deletions_requested": sum(night["deletions_requested"] or 0 for night in nights),
        "persons_purged_on_backfill_night": purged[0] if purged else None,
        "persons_purged_on_last_night": purged[-1] if purged else None,
        "persons_purged": None if None in purged[:1] + purged[-1:] else purged[-1] - purged[0],
        "nightly_build_seconds": {night["date"]: night["nightly"]["seconds"] for night in nights},
    }


def summary_line(result_totals: dict) -> str:
    purged = result_totals["persons_purged"]
    return (
        f"soak: {result_totals['nights']} nights, {result_totals['builds']} builds, "
        f"{result_totals['nights_failed']} failures, "
        f"{result_totals['tables_compared']} tables compared, "
        f"{sum(result_totals['rows_differing'].values())} rows differing "
        f"(deletions: {result_totals['deletions_requested']} requested, "
        f"{'?' if purged is None else purged} purged)"
    )


def results_document(
    parameters: dict, timeline: Timeline, nights: list[dict], started: str
) -> dict:
    result_totals = totals(nights, timeline)
    return {
        "parameters": parameters,
        "started_at": started,
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"python": sys.version.split()[0], "duckdb": duckdb.__version__},
        "timeline": {
            "backfill_date": timeline.backfill_date,
            "delivery_dates": list(timeline.delivery_dates),
            "end_date": timeline.meta.get("end_date"),
        },
        "comparison_rules": COMPARISON_RULES,
        "exclusions": EXCLUDED_TABLES,
        "point_in_time_held_back": POINT_IN_TIME_HELD_BACK,
        "totals": result_totals,
        "first_failures": first_failures(nights),
        "nights": nights,
        "summary": summary_line(result_totals),
    }


def markdown(document: dict) -> str:
    p, t = document["parameters"], document["totals"]
    rows = t["rows_differing"]
    lines = [
        "# Soak: nightly incremental builds against rebuilds",
        "",
        f"`python -m segkit.soak --days {p['days']} --customers {p['customers']} "
        f"--seed {p['seed']}` (timeline: {p['timeline']}), {document['started_at']} to "
        f"{document['finished_at']}, Python {document['versions']['python']}, "
        f"DuckDB {document['versions']['duckdb']}.",
        "",
        f"**{document['summary']}**",
        "",
        f"Builds failed: {t['builds_failed']}. Rows differing: full refresh "
        f"{rows['full_refresh']}, point in time {rows['point_in_time']}, history refresh "
        f"{rows['history_refresh']}, published {rows['published']} "
        f"(checks not run: {t.get('checks_not_run', 0)}). "
        f"Nights run: {t['nights']} of {t['nights_planned']}.",
        "",
        "Each night D: deliver every file dated <= D, `dbt build` (with tests) on the one nightly "
        "database, then two references from scratch without tests: **full refresh** "
        "(`--full-refresh` on the same delivered files) and **point in time** (every delivery of "
        "the timeline, later ones too, except those held back below; as_of D). The marts computed "
        "from the stored histories cannot come from scratch (exclusions below): **history refresh** "
        "rebuilds them with `--full-refresh` on a copy of the nightly database and compares every "
        "as_of date. **Published**: the file the nightly build published for BI readers, every "
        "mart on every as_of date, against the nightly database.",
        "",
        "## How tables are compared",
        "",
        *[f"- {rule}" for rule in document["comparison_rules"]],
        *nights_section(document["nights"]),
        *tables_section(document["nights"]),
        "",
        "## Exclusions",
        "",
        "| table | reason |",
        "|---|---|",
        *[f"| {table} | {reason} |" for table, reason in document["exclusions"].items()],
        "",
        "## Held back from the point-in-time raw folder",
        "",
        *[
            f"- `{table}` files dated after D: {reason}"
            for table, reason in document["point_in_time_held_back"].items()
        ],
        "",
        "## Deletions",
        "",
        f"Requested: {t['deletions_requested']}, the deletion requests the generator planted on "
        "the delivered days (`happenings` in _timeline.json). Purged: "
        f"{dash(t['persons_purged'])}, the persons int_identity__deletion_audit (entity persons) "
        "reports removed on the last night minus on the backfill night "
        f"({dash(t['persons_purged_on_last_night'])} - "
        f"{dash(t['persons_purged_on_backfill_night'])}; the backfill holds earlier requests). "
        "A request naming a person another request already named, or matching nobody, purges "
        "no one more.",
        "",
        "## First failures",
        "",
        *([f"- {failure}" for failure in document["first_failures"]] or ["None."]),
    ]
    return "\n".join(lines) + "\n"


def dash(value: object) -> str:
    return "-" if value is None else str(value)


def build_seconds(build: dict) -> str:
    return f"{build['seconds']:.1f}" + ("" if build["status"] == "success" else " (failed)")


def nights_section(nights: list[dict]) -> list[str]:
    lines = [
        "",
        "## Nights",
        "",
        "| night | date | nightly build | nightly s | full refresh s | point in time s "
        "| history refresh s | published check s | tables "
        "| rows differing (full refresh) | rows differing (point in time) "
        "| rows differing (history refresh) | rows differing (published) "
        "| deletions requested | persons purged (cumulative) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for night in nights:
        refs = {kind: night["references"].get(kind) for kind in REFERENCES}
        seconds = " | ".join(
            "-" if ref is None else build_seconds(reference_run(ref)) for ref in refs.values()
        )
        differing = " | ".join("-" if ref is None else dash(ref.get("rows_differing")) for ref in refs.values())
        lines.append(
            f"| {night['night']} | {night['date']} | {night['nightly']['status']} "
            f"| {build_seconds(night['nightly'])} | {seconds} | {len(night['tables'])} "
            f"| {differing} "
            f"| {dash(night['deletions_requested'])} | {dash(night['persons_purged'])} |"
        )
    return lines


def tables_section(nights: list[dict]) -> list[str]:
    lines = [
        "",
        "## Tables compared",
        "",
        "| table | materialized | key "
        "| nights differing (full refresh / point in time / history refresh / published) "
        "| rows differing (full refresh / point in time / history refresh / published) |",
        "|---|---|---|---|---|",
    ]
    for table, row in table_summary(nights).items():
        key = ", ".join(row["key"]) if row["key"] else "none: multiset"
        nights_differing = " / ".join(str(row["nights"][kind]) for kind in REFERENCES)
        rows = " / ".join(str(row["rows"][kind]) for kind in REFERENCES)
        lines.append(f"| {table} | {row['materialized']} | {key} | {nights_differing} | {rows} |")
    return lines


def table_summary(nights: list[dict]) -> dict[str, dict]:
    """Per table: its key, and per reference the nights and rows that differed."""
    summary: dict[str, dict] = {}
    for night in nights:
        for table, key in night["tables"].items():
            entry = summary.setdefault(
                table,
                {
                    "key": key,
                    "materialized": night["materialized"][table],
                    "nights": dict.fromkeys(REFERENCES, 0),
                    "rows": dict.fromkeys(REFERENCES, 0),
                },
            )
            for kind in REFERENCES:
                for diff in night["references"].get(kind, {}).get("tables", []):
                    if diff["table"] == table and diff["differences"]:
                        entry["nights"][kind] += 1
                        entry["rows"][kind] += diff["differences"]
    return dict(sorted(summary.items()))


def write_results(document: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "latest.md").write_text(markdown(document))
