"""Atomic publication of the public marts for BI readers (DuckDB).

DuckDB lets one process write a database file or many processes read it, never
both: a BI tool holding a read-only connection on the file dbt builds makes the
build fail with a lock error, and a reader that opens it while dbt runs (or after
a build was killed) sees some marts rebuilt and others not. So BI tools read a
*published* copy instead:

1. after a build with no error, failure or skip that built every public mart, the
   marts are written into a file beside the published one (``begin``: removes what
   an interrupted publication left, returns the temporary path);
2. the new file is closed (DuckDB checkpoints it: no write-ahead log is left) and
   moved over the published path with one ``os.replace`` (``commit``), which first
   keeps the file it replaces as the *spare* (a hard link).

The dbt hook writes into the spare when no reader holds it (``begin(...,
reuse_spare=True)``): the spare is the previous-but-one publication, so the history
marts need only the as_of dates and purges of two nights, not a copy of the whole
history (macros/publication/history_changes.sql). A reader that opened the spare
while it was published holds a DuckDB lock on it; then the marts go into a new file
as before, and the reader keeps its snapshot.

A reader opening the published path gets the previous or the new publication,
never a mix; a reader that holds the old file open keeps reading its snapshot (the
rename does not touch an open file on Linux and macOS). A failed or interrupted
build never reaches step 1, so the previous publication stays as it was.

dbt runs the steps from an on-run-end hook (macros/publication/publish_marts.sql)
through the two SQL functions registered by segkit/dbt_plugins/publish.py. The CLI
publishes by hand from a database file:

    python -m segkit.publish --database data/segmentation.duckdb \\
        --out data/published/segmentation.duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PUBLISHED_FOLDER = "published"
MARTS_SCHEMA = "marts"
# Internal to the semantic layer (MetricFlow); mirrors var publish_exclude_models.
EXCLUDED_MODELS = ("metricflow_time_spine",)
METADATA_TABLE = "_publication"
TEMPORARY_SUFFIX = ".publishing"
SPARE_SUFFIX = ".previous"


def published_path(database: str | os.PathLike[str], publish_path: str | None = None) -> Path:
    """Where the marts of `database` are published: `publish_path` when given, else
    <folder of database>/published/<file name of database>."""
    if publish_path:
        return Path(publish_path)
    source = Path(database)
    return source.parent / PUBLISHED_FOLDER / source.name


def temporary_path(target: Path) -> Path:
    """The file a publication is written to before the rename (same folder, so the
    rename never crosses file systems)."""
    return target.with_name(f".{target.name}{TEMPORARY_SUFFIX}")


def spare_path(target: Path) -> Path:
    """The previous-but-one publication, kept beside the published file for the next
    publication to update instead of writing every mart again."""
    return target.with_name(f".{target.name}{SPARE_SUFFIX}")


def _wal(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside `path` while it is open for writing."""
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for leftover in (path, _wal(path)):
        leftover.unlink(missing_ok=True)


def _unlocked(path: Path) -> bool:
    """Whether DuckDB can open `path` for writing: no other process (a BI reader that
    opened it while it was the published file) holds a lock on it, and it is a
    database DuckDB can read."""
    import duckdb

    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error:
        return False
    return True


def begin(database: str, publish_path: str | None = None, reuse_spare: bool = False) -> str:
    """Prepares a publication: creates the folder, removes what an interrupted
    publication left behind, and returns the temporary file to write the marts to.
    With `reuse_spare`, the spare (the previous-but-one publication) becomes that
    file when no reader holds it, and the caller updates it; otherwise the file
    does not exist yet."""
    target = published_path(database, publish_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(target)
    _remove(temporary)
    spare = spare_path(target)
    if reuse_spare and spare.exists() and not _wal(spare).exists():
        if _unlocked(spare):
            os.replace(spare, temporary)
    return str(temporary)


def _fsync(path: Path) -> None:
    """Flushes a file (or, on POSIX, a folder entry) to disk; a no-op where the
    platform cannot open folders."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def commit(database: str, publish_path: str | None = None) -> str:
    """Swaps the written temporary file in at the published path with one rename and
    returns that path. The temporary file must be closed (detached) first."""
    target = published_path(database, publish_path)
    temporary = temporary_path(target)
    if not temporary.exists():
        raise FileNotFoundError(f"nothing to publish: {temporary} does not exist")
    if _wal(temporary).exists():
        raise RuntimeError(f"{temporary} still has a write-ahead log: detach it before the rename")
    _fsync(temporary)
    _keep_spare(target)
    os.replace(temporary, target)
    _fsync(target.parent)
    return str(target)


def _keep_spare(target: Path) -> None:
    """Links the file about to be replaced as the spare (readers holding it keep
    reading it; the next publication writes into it only once none does). Where the
    file system has no hard links, there is no spare and every publication writes
    a new file."""
    spare = spare_path(target)
    linked = spare.with_name(spare.name + ".link")
    linked.unlink(missing_ok=True)
    # a write-ahead log left by a crash while the spare was open for writing would
    # keep begin() from ever reusing the next spare
    _wal(spare).unlink(missing_ok=True)
    if not target.exists():
        return
    try:
        os.link(target, linked)
    except OSError:
        spare.unlink(missing_ok=True)
        return
    os.replace(linked, spare)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(
    database: str,
    out: str | None = None,
    schema: str = MARTS_SCHEMA,
    exclude: Sequence[str] = EXCLUDED_MODELS,
) -> tuple[str, list[str]]:
    """Publishes every table of `schema` in `database` (except `exclude`) to `out`
    (default: published_path(database)); returns the path and the tables published."""
    import duckdb

    temporary = begin(database, out)
    # The build database read-only (a running build keeps its lock: this fails then),
    # the new file read-write, both attached to one in-memory connection.
    connection = duckdb.connect()
    try:
        connection.execute(f"attach {_literal(str(database))} as source (read_only)")
        tables = [
            name for (name,) in connection.execute(
                "select table_name from duckdb_tables()"
                " where database_name = 'source' and schema_name = ? order by table_name", [schema]
            ).fetchall()
            if name not in exclude
        ]
        if not tables:
            raise ValueError(f"{database} has no tables in schema {schema}: build the project first")
        connection.execute(f"attach {_literal(temporary)} as publication")
        source = f"source.{_quote(schema)}"
        for name in tables:
            connection.execute(
                f"create table publication.main.{_quote(name)} as select * from {source}.{_quote(name)}"
            )
        as_of = "null"
        if "customer_features" in tables:
            as_of = f"(select max(as_of_date) from {source}.customer_features)"
        connection.execute(
            f"create table publication.main.{METADATA_TABLE} as select"
            f" cast({_literal(dt.datetime.now(dt.timezone.utc).isoformat())} as timestamptz) as published_at,"
            f" cast(null as varchar) as invocation_id,"
            f" {_literal(str(database))} as source_database,"
            f" cast({as_of} as date) as as_of_date,"
            f" {_literal(', '.join(tables))} as published_tables"
        )
        connection.execute("detach publication")
        connection.execute("detach source")
    except BaseException:
        connection.close()
        _remove(Path(temporary))
        raise
    connection.close()
    return commit(database, out), tables


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segkit.publish",
        description="Publish the public marts of a DuckDB build atomically for BI readers (docs/bi.md).",
    )
    parser.add_argument("--database", default="data/segmentation.duckdb", help="the database dbt built")
    parser.add_argument(
        "--out", default=None,
        help="published file (default: <folder of --database>/published/<its file name>)",
    )
    parser.add_argument("--schema", default=MARTS_SCHEMA, help="schema holding the marts")
    parser.add_argument(
        "--exclude", nargs="*", default=list(EXCLUDED_MODELS), help="tables of the schema not to publish"
    )
    args = parser.parse_args(argv)
    path, tables = publish(args.database, args.out, args.schema, args.exclude)
    print(f"published {len(tables)} tables to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
