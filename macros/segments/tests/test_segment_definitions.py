"""Invalid segment definitions fail `dbt compile` with a message naming the definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_dbt

VALID = {"name": "Big Spenders", "kind": "threshold", "priority": 1,
         "rule": [{"column": "total_revenue", "operator": ">", "value": 100}]}


def compile_with(definitions: list[dict], work_dir: Path) -> str:
    """Compile segment_membership with var segment_definitions overridden; return dbt's output."""
    result = run_dbt(
        ["compile", "--select", "segment_membership", "--vars",
         json.dumps({"segment_definitions": definitions})],
        work_dir,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("definitions", "expected"),
    [
        pytest.param(
            [{**VALID, "name": "Ghosts", "rule": [{"column": "no_such_column", "operator": ">", "value": 1}]}],
            "segment definition 'Ghosts': unknown column 'no_such_column'",
            id="unknown_column",
        ),
        pytest.param(
            [{"name": "Top Dogs", "kind": "percentile", "priority": 1,
              "rule": {"column": "total_revenue", "percentile": 100}}],
            "segment definition 'Top Dogs': percentile 100 must be a number strictly between 0 and 100",
            id="percentile_out_of_range",
        ),
        pytest.param(
            [VALID, {**VALID, "name": "big spenders", "priority": 2}],
            "segment definition 'big spenders': duplicate name",
            id="duplicate_name",
        ),
        pytest.param(
            [{**VALID, "kind": "lookalike"}],
            "segment definition 'Big Spenders': unknown kind 'lookalike'",
            id="unknown_kind",
        ),
        pytest.param(
            [{key: value for key, value in VALID.items() if key != "priority"}],
            "segment definition 'Big Spenders': missing or non-numeric priority",
            id="missing_priority",
        ),
    ],
)
def test_invalid_definition_fails_compile_naming_it(
    definitions: list[dict], expected: str, dbt_work_dir: Path
) -> None:
    output = compile_with(definitions, dbt_work_dir)
    assert expected in output, output[-2000:]


def test_valid_definition_compiles(dbt_work_dir: Path) -> None:
    output = compile_with([VALID], dbt_work_dir)
    assert "coalesce(total_revenue > 100, false)" in output, output[-2000:]
