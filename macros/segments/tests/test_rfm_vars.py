"""Invalid RFM frequency vars fail `dbt compile` with a message naming the var."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_dbt


@pytest.mark.parametrize(
    ("dbt_vars", "expected"),
    [
        pytest.param({"rfm_frequency_bins": [2, 3, 4, 5, 6]},
                     "var rfm_frequency_bins = [2, 3, 4, 5, 6] is invalid: the first bound must be 1",
                     id="first_bound_not_1"),
        pytest.param({"rfm_frequency_bins": [1, 2, 2, 4, 6]},
                     "is invalid: bounds must be strictly increasing", id="not_increasing"),
        pytest.param({"rfm_frequency_bins": [1, 2, 3]},
                     "is invalid: expected a list of 5 order counts", id="not_five"),
        pytest.param({"rfm_frequency_scoring": "deciles"},
                     "var rfm_frequency_scoring = deciles is invalid: expected bins or quintiles",
                     id="unknown_scoring"),
    ],
)
def test_invalid_rfm_var_fails_compile_naming_it(dbt_vars: dict, expected: str, dbt_work_dir: Path) -> None:
    result = run_dbt(["compile", "--select", "customer_rfm_scores", "--vars", json.dumps(dbt_vars)], dbt_work_dir)
    assert result.returncode != 0
    assert expected in result.stdout + result.stderr
