"""Conventions of the base models that a macro enforces instead of a person.

record_outcome_ctes() reads the base model's `validated` CTE in two branches; every
CTE before it must be declared `name as {{ segmentation.inline_cte() }} (` or DuckDB
keeps a copy of every raw row (issue "Performance", item 4: no hand-kept rituals).
The macro checks the model's raw code at parse time; this test removes the keyword
from one CTE of a copy of the project and expects `dbt parse` to fail naming it.

Likewise every base model reads its raw rows through delivered_source_ctes(), which
restricts a nightly run to the rows of the delivered keys before they are typed;
the second test removes the call and expects `dbt parse` to fail.

A base model whose stored rows the erasure hook blanks passes reread_erased=true to
both delivered_source_ctes() and record_outcome_ctes(): with it on one only, the
older versions of a delivered key would be read twice (raw and stored) or not at
all. The third test drops it from one call and expects `dbt parse` to fail.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from segkit.tests.faults.harness import DBT, PROJECT_DIR, copy_project

BASE_MODEL = Path("models/staging/shop/base/base_shop__orders.sql")
INLINED = "fingerprinted as {{ segmentation.inline_cte() }} ("


def parse(project: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(project / "logs"),
        "SEG_DUCKDB_PATH": str(project / "db.duckdb"),
        "SEG_TARGET": "duckdb",
    }
    return subprocess.run(
        [str(DBT), "parse", "--no-partial-parse"],
        cwd=project, env=env, capture_output=True, text=True, check=False,
    )


def test_base_model_cte_without_inline_cte_fails_to_parse(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    model = project / BASE_MODEL
    text = model.read_text()
    assert INLINED in text, "the fixture CTE moved: update INLINED"

    intact = parse(project)
    assert intact.returncode == 0, intact.stdout[-2000:]

    model.write_text(text.replace(INLINED, "fingerprinted as ("))
    broken = parse(project)
    assert broken.returncode != 0
    assert "base_shop__orders" in broken.stdout
    assert "missing: fingerprinted" in broken.stdout


DELIVERED = "    from delivered_source\n"


def test_incremental_base_model_without_delivered_source_fails_to_parse(tmp_path: Path) -> None:
    """A base model that reads its raw rows directly would still build the right
    table, but a nightly run would type every raw row: the macro refuses it."""
    project = copy_project(tmp_path)
    model = project / BASE_MODEL
    text = model.read_text()
    start = text.index("{{ segmentation.delivered_source_ctes(")
    end = text.index(") }}", start) + len(") }}")
    assert DELIVERED in text[end:], "the fixture moved: update DELIVERED"

    model.write_text(text[:start] + text[end:].replace(DELIVERED, "    from source\n", 1))
    broken = parse(project)
    assert broken.returncode != 0
    assert "base_shop__orders" in broken.stdout
    assert "delivered_source_ctes" in broken.stdout


REREAD = "version_order, reread_erased=true) }}"


def test_reread_erased_on_one_call_only_fails_to_parse(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    model = project / BASE_MODEL
    text = model.read_text()
    assert text.count("reread_erased=true") == 2 and REREAD in text, "the fixture moved: update REREAD"

    model.write_text(text.replace(REREAD, "version_order) }}"))
    broken = parse(project)
    assert broken.returncode != 0
    assert "base_shop__orders" in broken.stdout
    assert "reread_erased=true to both" in broken.stdout
