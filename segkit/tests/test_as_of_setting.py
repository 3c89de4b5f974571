"""The as_of date from var `as_of` or the environment variable SEG_AS_OF (macro as_of()).

dbt parses the whole project again whenever `--vars` differ from the previous
invocation's, so a scheduler passing a new as_of each night through `--vars` pays a
full parse every night (about 6 s on two cores). With SEG_AS_OF, dbt parses again
only the files that read it. These tests run dbt itself: the saved parse is reused
when only SEG_AS_OF changes and the compiled SQL carries the new date; conflicting
or malformed settings stop the run with a message naming the setting.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

# the models that read the as_of setting when they compile: the date itself and a
# raw table's load cut-off (the first instant after as_of)
SELECTED = ["--select", "int_as_of_date", "base_shop__orders"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return write_raw(tmp_path_factory.mktemp("raw"), clean_tables())


def compile_with(folder: Path, raw: Path, *, as_of_env: str | None = None,
                 as_of_var: str | None = None, command: str = "compile") -> Build:
    """`dbt <command>` of SELECTED (compile) with debug JSON logs, as_of from the
    environment and/or the vars."""
    return dbt_build(
        folder, raw,
        command=command,
        args=[*(SELECTED if command == "compile" else []), "--log-format", "json", "--log-level", "debug"],
        dbt_vars={"as_of": as_of_var} if as_of_var else None,
        env={"SEG_AS_OF": as_of_env or ""},
    )


def events(build: Build) -> set[str]:
    """The names of the dbt events of a run (JSON logs)."""
    names = set()
    for line in build.result.stdout.splitlines():
        try:
            names.add(json.loads(line)["info"]["name"])
        except (ValueError, KeyError):
            continue
    return names


def compiled(build: Build, path: str) -> str:
    return (build.folder / "target" / "compiled" / "segmentation" / "models" / path).read_text()


def test_a_new_seg_as_of_keeps_partial_parsing_and_reaches_the_sql(tmp_path: Path, raw: Path) -> None:
    folder = tmp_path / "nightly"
    first = compile_with(folder, raw, as_of_env="2026-10-30", command="parse")
    assert first.ok, first.output[-3000:]
    # the next night: only SEG_AS_OF changes
    night = compile_with(folder, raw, as_of_env="2026-10-31")
    assert night.ok, night.output[-3000:]
    assert "PartialParsingEnabled" in events(night)
    assert "UnableToPartialParse" not in events(night)
    assert "cast('2026-10-31' as date) as as_of_date" in compiled(night, "intermediate/core/int_as_of_date.sql")
    orders = compiled(night, "staging/shop/base/base_shop__orders.sql")
    assert "'2026-10-31'" in orders and "'2026-10-30'" not in orders
    # the same change through --vars: dbt starts over
    through_vars = compile_with(folder, raw, as_of_var="2026-11-01")
    assert through_vars.ok, through_vars.output[-3000:]
    assert "UnableToPartialParse" in events(through_vars)
    assert "cast('2026-11-01' as date) as as_of_date" in compiled(through_vars, "intermediate/core/int_as_of_date.sql")


def test_unset_as_of_reads_the_latest_activity_again(tmp_path: Path, raw: Path) -> None:
    folder = tmp_path / "unset"
    assert compile_with(folder, raw, as_of_env="2026-10-30", command="parse").ok
    unset = compile_with(folder, raw)
    assert unset.ok, unset.output[-3000:]
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    # without a date the model reads the orders and events (its refs follow the setting)
    assert manifest["nodes"]["model.segmentation.int_as_of_date"]["depends_on"]["nodes"] == [
        "model.segmentation.stg_shop__orders", "model.segmentation.int_events__resolved"]
    assert "max(activity_date)" in compiled(unset, "intermediate/core/int_as_of_date.sql")


def test_the_same_date_both_ways_is_accepted_and_different_dates_stop(tmp_path: Path, raw: Path) -> None:
    same = compile_with(tmp_path / "same", raw, as_of_env="2026-10-31", as_of_var="2026-10-31")
    assert same.ok, same.output[-3000:]
    both = compile_with(tmp_path / "both", raw, as_of_env="2026-10-31", as_of_var="2026-10-30")
    assert not both.ok
    assert ("as_of is set twice, to different dates: var as_of = 2026-10-30 and environment variable "
            "SEG_AS_OF = 2026-10-31") in both.output


def test_a_seg_as_of_that_is_not_a_date_stops_naming_it(tmp_path: Path, raw: Path) -> None:
    bad = compile_with(tmp_path / "bad", raw, as_of_env="2026-02-30")
    assert not bad.ok
    assert "environment variable SEG_AS_OF = 2026-02-30 is invalid" in bad.output


def compiled_models(folder: Path) -> dict[str, str]:
    root = folder / "target" / "compiled" / "segmentation"
    return {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*.sql"))}


def test_every_model_compiles_the_same_from_the_var_and_from_the_environment(tmp_path: Path, raw: Path) -> None:
    runs = {}
    for name, setting in {"var": {"as_of_var": "2026-10-31"}, "env": {"as_of_env": "2026-10-31"}}.items():
        build = dbt_build(tmp_path / name, raw, command="compile", args=["--select", "resource_type:model"],
                          dbt_vars={"as_of": setting["as_of_var"]} if "as_of_var" in setting else None,
                          env={"SEG_AS_OF": setting.get("as_of_env", "")})
        assert build.ok, build.output[-3000:]
        runs[name] = compiled_models(tmp_path / name)
    assert len(runs["var"]) >= 80
    assert runs["var"] == runs["env"]
