"""dbt-duckdb plugin: the file steps of the marts publication as SQL functions.

The on-run-end hook macros/publication/publish_marts.sql copies the public marts
into a new DuckDB file with SQL; the steps SQL cannot do (remove a leftover file,
rename the new file over the published one) are Python, registered here on the
connection dbt opens:

    segkit_publish_begin(database, publish_path)  -> file to write to: the spare (the
        previous-but-one publication) when no reader holds it, else a new file
    segkit_publish_commit(database, publish_path) -> the published path, after the rename

`publish_path` '' means the default, <folder of database>/published/<file name>
(segkit/publish.py). DuckDB functions belong to the database instance, so cursors
dbt opens later see them.

Profile entry (profiles.yml.example):

    plugins:
      - module: segkit.dbt_plugins.publish
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from segkit import publish

BEGIN_FUNCTION = "segkit_publish_begin"
COMMIT_FUNCTION = "segkit_publish_commit"


def _begin(database: str, publish_path: str) -> str:
    return publish.begin(database, publish_path or None, reuse_spare=True)


def _commit(database: str, publish_path: str) -> str:
    return publish.commit(database, publish_path or None)


def register_functions(connection: Any) -> None:
    """Registers both functions once per database instance; side_effects keeps
    DuckDB from folding a call on constants at planning time."""
    existing = {
        name for (name,) in connection.execute(
            "select function_name from duckdb_functions() where function_name in (?, ?)",
            [BEGIN_FUNCTION, COMMIT_FUNCTION],
        ).fetchall()
    }
    for name, function in ((BEGIN_FUNCTION, _begin), (COMMIT_FUNCTION, _commit)):
        if name not in existing:
            connection.create_function(
                name, function, ["VARCHAR", "VARCHAR"], "VARCHAR", side_effects=True
            )


class Plugin(BasePlugin):
    """Registers the publication functions on dbt-duckdb's connection."""

    def configure_connection(self, conn: Any) -> None:
        register_functions(conn)
