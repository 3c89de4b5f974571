"""`make lint` / `make fix`: sqlfluff's command line, ending without DuckDB's exit report.

sqlfluff's dbt templater compiles the project through dbt-duckdb, which loads DuckDB's
Python module. When the interpreter then shuts down, DuckDB's nanobind bindings print
some 40 "leaked instance / leaked function" lines to stderr: objects dbt keeps until
exit, not a fault of the project or of the lint, and not switchable from Python. This
runs sqlfluff's own command (arguments and exit code unchanged), flushes its output and
leaves with ``os._exit``, so the report that nobody acts on is never printed.

    python -m segkit.lint lint -v models macros
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from sqlfluff.cli.commands import cli


def run(argv: Sequence[str]) -> int:
    """sqlfluff's exit code for ``sqlfluff <argv>`` (it exits through SystemExit)."""
    try:
        cli.main(args=list(argv), prog_name="sqlfluff", standalone_mode=False)
    except SystemExit as stop:
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    code = run(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
