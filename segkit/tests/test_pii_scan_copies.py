"""A model's meta pii_scan_copied_from is a promise: those text columns hold values
copied unchanged from columns the raw-PII gate scans in the named models, so the gate
skips them (macro pii_scan_sql). dbt cannot check a promise about values, but a unit
test can: this module requires every declaring model to have a dbt unit test that
feeds each named model's columns and expects them back unchanged, so editing the
model to compute such a column (and keeping the declaration) fails that unit test,
and dropping a column from the unit test fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from segkit.tests.faults.harness import PROJECT_DIR

REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")


def project_yaml() -> Iterator[dict]:
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        yield yaml.safe_load(path.read_text()) or {}


def copy_declarations(documents: list[dict]) -> dict[str, dict[str, list[str]]]:
    """{model: {source model: [columns]}} of every model declaring meta pii_scan_copied_from."""
    declared = {}
    for document in documents:
        for model in document.get("models") or []:
            meta = {**(model.get("meta") or {}), **((model.get("config") or {}).get("meta") or {})}
            if meta.get("pii_scan_copied_from"):
                declared[model["name"]] = meta["pii_scan_copied_from"]
    return declared


def unit_tests_of(documents: list[dict], model: str) -> list[dict]:
    return [test for document in documents for test in document.get("unit_tests") or [] if test.get("model") == model]


def copy_problems(declaration: dict[str, list[str]], unit_test: dict) -> list[str]:
    """What keeps a unit test from proving the declaration (empty: it proves it): each
    declared column must be expected in every row with a non-null value somewhere;
    every expected value must be one of the given values of that column in one of the
    models it is declared copied from; and each of those models must supply at least
    one expected value (so a coalesce of two sources is exercised on both)."""
    given = {}
    for item in unit_test.get("given") or []:
        match = REF.search(str(item.get("input", "")))
        if match:
            given[match.group(1)] = item.get("rows") or []
    expected = (unit_test.get("expect") or {}).get("rows") or []
    sources_of: dict[str, list[str]] = {}
    for source, columns in declaration.items():
        for column in columns:
            sources_of.setdefault(column, []).append(source)
    problems = []
    for column, sources in sources_of.items():
        values = [row.get(column) for row in expected]
        if not expected or any(column not in row for row in expected):
            problems.append(f"{column}: not expected in every row")
            continue
        if all(value is None for value in values):
            problems.append(f"{column}: no non-null expected value")
        supplied = {source: {row.get(column) for row in given.get(source, [])} - {None} for source in sources}
        for value in values:
            if value is not None and not any(value in supplied[source] for source in sources):
                problems.append(f"{column}: expected {value!r} is no given value of {', '.join(sources)}")
        for source in sources:
            if not supplied[source] & set(values):
                problems.append(f"{column}: no expected value comes from {source}")
    return problems


DOCUMENTS = list(project_yaml())
DECLARED = copy_declarations(DOCUMENTS)


def test_the_attributed_events_declare_their_copies() -> None:
    # the 50M-row view the declaration exists for; a rename should update this module
    assert "int_events__resolved" in DECLARED


@pytest.mark.parametrize("model", sorted(DECLARED))
def test_a_unit_test_proves_each_copy_declaration(model: str) -> None:
    declaration = DECLARED[model]
    found = {test["name"]: copy_problems(declaration, test) for test in unit_tests_of(DOCUMENTS, model)}
    assert any(not problems for problems in found.values()), (
        f"{model} declares meta pii_scan_copied_from but no unit test of it feeds those columns and expects"
        f" them back unchanged: {found}"
    )


UNIT_TEST = {
    "given": [
        {"input": "ref('events')", "rows": [{"id": "e1", "note": "a@example.com"}, {"id": "e2", "note": None}]},
        {"input": "ref('people')", "rows": [{"person": "p1"}]},
        {"input": "ref('devices')", "rows": [{"person": "p2"}]},
    ],
    "expect": {"rows": [{"id": "e1", "note": "a@example.com", "person": "p1"}, {"id": "e2", "note": None, "person": "p2"}]},
}
DECLARATION = {"events": ["id", "note"], "people": ["person"], "devices": ["person"]}


def test_copy_problems_accepts_a_unit_test_that_proves_the_copies() -> None:
    assert copy_problems(DECLARATION, UNIT_TEST) == []


def test_copy_problems_finds_a_changed_value() -> None:
    changed = {**UNIT_TEST, "expect": {"rows": [{"id": "e1", "note": "A@EXAMPLE.COM", "person": "p1"},
                                                {"id": "e2", "note": None, "person": "p2"}]}}
    assert copy_problems(DECLARATION, changed) == [
        "note: expected 'A@EXAMPLE.COM' is no given value of events",
        "note: no expected value comes from events",
    ]


def test_copy_problems_finds_a_column_not_expected() -> None:
    missing = {**UNIT_TEST, "expect": {"rows": [{"id": "e1", "person": "p1"}, {"id": "e2", "person": "p2"}]}}
    assert copy_problems(DECLARATION, missing) == ["note: not expected in every row"]


def test_copy_problems_finds_a_source_never_exercised() -> None:
    one_source = {**UNIT_TEST, "expect": {"rows": [{"id": "e1", "note": "a@example.com", "person": "p1"},
                                                   {"id": "e2", "note": None, "person": None}]}}
    assert copy_problems(DECLARATION, one_source) == ["person: no expected value comes from devices"]
