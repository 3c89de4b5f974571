"""`dbt parse` prints no warning on either target, and the manifest is governed
(docs/bi.md "Governance").

dbt deprecations (custom config keys outside `meta`, a source's top-level `meta`,
old test syntax...) and other parse-time warnings (config paths matching no model)
are shown once per kind and easily scrolled past; the next dbt minor release turns
some of them into errors. Parsing needs neither data nor a connection, so this is
cheap: one parse per target with every deprecation shown and JSON logs.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from segkit.tests.faults.harness import DBT, PROJECT_DIR


def parse_warnings(project_dir: Path, target: str, work: Path) -> list[str]:
    """Warning and error events of `dbt parse` (no partial parse) on `target`."""
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "SEG_RAW_PATH": str(work / "raw"),
        "SEG_DUCKDB_PATH": str(work / "parse.duckdb"),
    }
    result = subprocess.run(
        [str(DBT), "parse", "--no-partial-parse", "--show-all-deprecations", "--log-format", "json",
         "--target", target, "--profiles-dir", str(PROJECT_DIR)],
        cwd=project_dir, env=env, capture_output=True, text=True, check=False,
    )
    events = []
    for line in result.stdout.splitlines():
        try:
            events.append(json.loads(line)["info"])
        except (ValueError, KeyError):
            continue
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [
        f"{event['name']}: {event['msg']}"
        for event in events
        if event.get("level") in ("warn", "error") or "Deprecation" in event.get("name", "")
    ]


@pytest.fixture(scope="module", params=["duckdb", "snowflake_emulator"])
def parsed(request, tmp_path_factory) -> tuple[list[str], dict]:
    """(warnings, manifest) of one parse per target."""
    work = tmp_path_factory.mktemp(f"parse-{request.param}")
    warnings = parse_warnings(PROJECT_DIR, request.param, work)
    return warnings, json.loads((work / "target" / "manifest.json").read_text())


def test_dbt_parse_prints_no_warning(parsed) -> None:
    warnings, _ = parsed
    assert not warnings, "\n".join(warnings)


def test_every_model_has_a_group_an_owner_and_public_marts_say_so(parsed) -> None:
    _, manifest = parsed
    problems = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        config = node["config"]
        if not config.get("group") or not config.get("meta", {}).get("owner"):
            problems.append(f"{node['name']}: no group or meta.owner")
        if node["resource_type"] != "model":
            continue
        documented_public = node["description"].strip().startswith("Public")
        is_mart = node["fqn"][1] == "marts"
        if (config.get("access") == "public") != (documented_public and is_mart):
            problems.append(
                f"{node['name']}: access {config.get('access')},"
                f" description says public: {documented_public}"
            )
    assert not problems, "\n".join(problems)
