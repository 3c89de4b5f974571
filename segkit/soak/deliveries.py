"""Deliveries: which timeline files a build's raw folder holds on a given night.

A timeline (``python -m segkit.generate --days``) is ``<dir>/<table>/<YYYY-MM-DD>.parquet``,
one file per table and load date, the first date a backfill, plus ``<dir>/_timeline.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Raw tables whose deliveries dated after D stay out of the point-in-time folder.
POINT_IN_TIME_HELD_BACK: dict[str, str] = {
    "deletion_requests": (
        "a deletion applies whatever the as_of, by design; a future request would remove "
        "its person from the point-in-time build, and a population without them ranks, "
        "scores and clusters everyone else differently. Every other table's future "
        "deliveries are in the folder: the point-in-time build must ignore them by as_of."
    ),
}


@dataclass(frozen=True)
class Timeline:
    folder: Path
    backfill_date: str
    delivery_dates: tuple[str, ...]
    files: dict[str, dict[str, Path]]  # table -> load date -> file
    meta: dict

    @property
    def nights(self) -> tuple[str, ...]:
        return (self.backfill_date, *self.delivery_dates)


def delivery_files(folder: Path) -> dict[str, dict[str, Path]]:
    """``<folder>/<table>/<YYYY-MM-DD>.parquet`` as table -> date -> path."""
    files: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.glob("*/*.parquet")):
        dt.date.fromisoformat(path.stem)  # anything else in a table folder is an error
        files.setdefault(path.parent.name, {})[path.stem] = path
    return files


def read_timeline(folder: Path) -> Timeline:
    meta = json.loads((folder / "_timeline.json").read_text())
    return Timeline(
        folder=folder,
        backfill_date=meta["backfill_date"],
        delivery_dates=tuple(meta["delivery_dates"]),
        files=delivery_files(folder),
        meta=meta,
    )


def select_deliveries(
    files: Mapping[str, Mapping[str, Path]], through: str, limited_tables: Iterable[str]
) -> dict[str, list[Path]]:
    """The delivery files of each table: those dated <= ``through`` for the limited
    tables, every file for the others. Landing limits every table; the point-in-time
    folder only the held-back ones."""
    limited = set(limited_tables)
    return {
        table: [
            path
            for date, path in sorted(by_date.items())
            if table not in limited or date <= through
        ]
        for table, by_date in files.items()
    }


def sync_folder(folder: Path, selection: Mapping[str, list[Path]]) -> None:
    """Make ``folder/<table>/`` hold exactly the selected files, as hard links (copies
    across file systems). Files already there stay, so a nightly delivery adds a day."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_dir() and stale.name not in selection:
            shutil.rmtree(stale)
    for table, paths in selection.items():
        table_dir = folder / table
        table_dir.mkdir(exist_ok=True)
        wanted = {path.name: path for path in paths}
        for present in table_dir.iterdir():
            if present.name not in wanted:
                present.unlink()
        for name, source in wanted.items():
            target = table_dir / name
            if target.exists():
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)


def deletions_requested_by_date(meta: object) -> dict[str, int]:
    """Planted deletion requests per load date, from ``_timeline.json``: every number
    under a key starting ``deletion_requests_by`` (by id, by email), summed per the
    nearest enclosing date key, so the nesting of the per-date counts does not matter."""
    counts: dict[str, int] = {}

    def walk(node: object, date: str | None) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if _is_iso_date(key):
                    walk(value, key)
                elif key.startswith("deletion_requests_by") and isinstance(value, int) and date:
                    counts[date] = counts.get(date, 0) + value
                else:
                    walk(value, date)
        elif isinstance(node, list):
            for value in node:
                walk(value, date)

    walk(meta, None)
    return counts


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
