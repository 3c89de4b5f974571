"""`make lint` / `make fix`: sqlfluff's command line, ending without DuckDB's exit report.

sqlfluff's dbt templater compiles the project through dbt-duckdb, which loads DuckDB's
Python module. When the interpreter then shuts down, DuckDB's nanobind bindings print
some 40 "leaked instance / leaked function" lines to stderr: objects dbt keeps until
exit, not a fault of the project or of the lint, and not switchable from Python. This
runs sqlfluff's own command (arguments and exit code unchanged), flushes its output and
leaves with ``os._exit``, so the report that nobody acts on is never printed.
Leaving that way also skips the release of the semaphores of sqlfluff's worker pool,
which multiprocessing's resource tracker (a separate process) would then report at
its own exit: the tracker inherits a warnings filter for exactly that message.

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


TRACKER_FILTER = "ignore:resource_tracker:UserWarning"


def main(argv: Sequence[str] | None = None) -> None:
    # before sqlfluff starts its pool, so the tracker process starts with the filter
    inherited = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = f"{inherited},{TRACKER_FILTER}" if inherited else TRACKER_FILTER
    code = run(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
