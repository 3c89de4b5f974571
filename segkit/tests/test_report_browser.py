"""The segment report in a real browser: headless Chromium (Debian's `chromium`,
installed by `make browser`) driven by Playwright for Python. Playwright never
downloads a browser: segkit.report.browser launches /usr/bin/chromium through
executable_path.

Two reports are opened at 1280 and 800 px: one from a real `dbt build` of the fault
harness's small clean data set (the marts as dbt builds them today, one as_of date)
and one from the synthetic marts of test_report.py (history, drift and KPIs over
three as_of dates, so every chart is drawn). Full-page screenshots are kept in
reports/browser-test/ (the path is printed)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from segkit.report import render_report
from segkit.report.browser import CHROMIUM, check_report
from segkit.tests.faults.harness import PROJECT_DIR, clean_tables, dbt_build, write_raw
from segkit.tests.test_report import synthetic_marts, write_marts

SCREENSHOTS = PROJECT_DIR / "reports" / "browser-test"

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing: run `make browser`", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="playwright is in requirements.txt: run `make install`")


def write_report(database: Path, out: Path) -> Path:
    with duckdb.connect(str(database), read_only=True) as con:
        out.write_text(render_report(con))
    return out


@pytest.fixture(scope="module")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a real dbt build (60 customers, ~20 s)."""
    folder = tmp_path_factory.mktemp("report_build")
    # The marts only: data tests have their own modules and would double the build time.
    build = dbt_build(folder, write_raw(folder / "raw", clean_tables()), args=["--exclude-resource-type", "test"])
    assert build.ok, build.failures() or build.output[-2000:]
    return write_report(build.database, folder / "segment_report.html")


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report_synthetic")
    return write_report(write_marts(folder / "db.duckdb", synthetic_marts()), folder / "segment_report.html")


@pytest.mark.parametrize("which", ["built_report", "synthetic_report"])
def test_report_reads_well_in_chromium(which: str, request: pytest.FixtureRequest) -> None:
    report: Path = request.getfixturevalue(which)
    screenshot = SCREENSHOTS / f"{which}.png"
    result = check_report(report, screenshot)
    print(f"screenshot: {result.screenshot}")
    assert result.screenshot is not None and result.screenshot.stat().st_size > 10_000
    assert result.ok, "\n".join(result.problems[:30])
    if which == "built_report":
        html = report.read_text()
        assert html.count("<img ") >= 6  # sizes, KPIs, RFM grid, boxplots, scatter, k selection


def test_the_check_catches_what_the_old_report_did(tmp_path: Path) -> None:
    """Each check can fail: a page with the old report's faults is rejected on each count."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>bad</title></head><body>"
        "<p style='font-size:7px'>tiny</p>"
        "<p style='color:#fff;background:#fde725'>white on yellow</p>"
        "<p>revenue 3.02e+05</p>"
        "<table><tr>" + "<td>column_with_a_long_name</td>" * 80 + "</tr></table>"
        "<img alt='broken' src='data:image/png;base64,AAAA'>"
        "<img alt='tiny labels' width='900' data-min-label-px='7' src='data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='>"
        "<script>console.error('boom')</script></body></html>")
    problems = "\n".join(check_report(bad, viewports=((1280, 900),)).problems)
    expected = ("font-size 7 px < 10 px", "contrast 1.26 < 4.5", "scientific notation in the text: 3.02e+05",
                "page scrolls sideways", "wider than the 1280 px viewport", "image does not decode",
                "chart labels 7.0 px < 10 px", "console error: boom")
    assert [e for e in expected if e not in problems] == [], problems
