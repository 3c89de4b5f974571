"""dbt-duckdb plugin: hands the PII salt to DuckDB without writing it into SQL.

The salt of macros/staging/hash_pii.sql comes from the environment variable
SEG_PII_SALT. Were it rendered into the compiled SQL, it would end up in target/,
logs/dbt.log, run_results.json and the definition of every staging view, which any
reader of the database can list (`select sql from duckdb_views()`). Instead this
plugin sets two DuckDB session variables on every connection and cursor dbt opens:

    seg_pii_salt             the salt (bound as a parameter, so any string works)
    seg_pii_salt_is_default  true when SEG_PII_SALT is unset and the public demo
                             salt is used (macro check_pii_salt() warns then)

and the SQL reads `getvariable('seg_pii_salt')`. DuckDB variables belong to one
connection and are not stored in the database file: a reader of a staging view
without the plugin gets null hashes, and the tables downstream hold only hashes.

Profile entry (profiles.yml.example):

    plugins:
      - module: segkit.dbt_plugins.pii_salt
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

SALT_ENV_VAR = "SEG_PII_SALT"
SALT_VARIABLE = "seg_pii_salt"
IS_DEFAULT_VARIABLE = "seg_pii_salt_is_default"
# Public, so no secret: lets the demo run without configuration; every run that
# uses it warns (macros/staging/check_pii_salt.sql).
DEMO_SALT = "segmentation-demo-salt"


def resolve_salt(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The salt to use and whether it is the demo default (SEG_PII_SALT unset or empty)."""
    salt = environ.get(SALT_ENV_VAR, "")
    if salt:
        return salt, False
    return DEMO_SALT, True


def set_salt_variables(cursor: Any, environ: Mapping[str, str]) -> None:
    """Sets the two session variables on one DuckDB connection or cursor; the salt is a
    bound parameter, never part of the statement text."""
    salt, is_default = resolve_salt(environ)
    cursor.execute(f"set variable {SALT_VARIABLE} = ?", [salt])
    cursor.execute(f"set variable {IS_DEFAULT_VARIABLE} = ?", [is_default])


class Plugin(BasePlugin):
    """Sets the PII salt variables on dbt-duckdb's connection and on each cursor (DuckDB
    variables do not carry over from a connection to its cursors)."""

    def configure_connection(self, conn: Any) -> None:
        set_salt_variables(conn, os.environ)

    def configure_cursor(self, cursor: Any) -> None:
        set_salt_variables(cursor, os.environ)
