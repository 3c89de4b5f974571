"""Models that read a stored history (a table kept per as_of_date, delete+insert on
as_of_date) must not let DuckDB materialize it: DuckDB materializes a CTE that more
than one other CTE reads, every row and column, so a model reading a history through
such a CTE copies every stored date on every build, and grows with the nights (at 1M
customers and 31 stored dates, 115.8M feature rows: int_segments__drift_distances'
select took 5.5-7.9 s, 2.8-3.2 s inlined; DECISIONLOG, eighteenth session). Such an
import CTE is declared `name as {{ inline_cte() }} (`. A person adding a reader would
miss that, so this test reads every model's SQL and names the CTE that lacks it.
"""

from __future__ import annotations

import re
from pathlib import Path

from segkit.tests.faults.harness import PROJECT_DIR

HISTORY_KEY = re.compile(r"unique_key\s*=\s*['\"]as_of_date['\"]")
IMPORT_CTE = re.compile(
    r"(?P<cte>\w+) as (?P<inline>\{\{ (?:segmentation\.)?inline_cte\(\) \}\} )?\(\s*"
    r"select \* from \{\{ ref\('(?P<model>\w+)'\) \}\}"
)


def history_models(project: Path = PROJECT_DIR) -> set[str]:
    """The models kept per as_of_date: incremental with unique_key as_of_date."""
    return {
        path.stem for path in (project / "models").rglob("*.sql")
        if HISTORY_KEY.search(path.read_text())
    }


def readers(sql: str, cte: str) -> int:
    """How many places read the CTE: a from or join on it, or its name passed to a
    macro as a string (segment_kpi_ctes('segments', 'membership_history', ...))."""
    return len(re.findall(rf"\b(?:from|join)\s+{cte}\b", sql)) + len(re.findall(rf"'{cte}'", sql))


def materialized_history_ctes(sql: str, histories: set[str]) -> list[str]:
    """The import CTEs of a history read more than once and not declared inline_cte()."""
    return [
        match["cte"] for match in IMPORT_CTE.finditer(sql)
        if match["model"] in histories and not match["inline"] and readers(sql, match["cte"]) > 1
    ]


def test_the_checker_names_a_history_cte_read_twice_without_inline_cte() -> None:
    histories = {"segment_membership_history"}
    read_twice = (
        "with\n\nmembers as (\n\n"
        "    select * from {{ ref('segment_membership_history') }}\n\n),\n\n"
        "dates as (select distinct as_of_date from members),\n\n"
        "counts as (select as_of_date, count(*) from members group by as_of_date)\n"
    )
    assert materialized_history_ctes(read_twice, histories) == ["members"]
    inlined = read_twice.replace("members as (", "members as {{ inline_cte() }} (")
    assert materialized_history_ctes(inlined, histories) == []
    read_once = read_twice.replace("from members group by", "from dates group by")
    assert materialized_history_ctes(read_once, histories) == []
    passed_to_a_macro = read_once + "{{ segment_kpi_ctes('segments', 'members', 'inputs') }}"
    assert materialized_history_ctes(passed_to_a_macro, histories) == ["members"]


def test_no_model_materializes_a_stored_history() -> None:
    histories = history_models()
    marts = {"segment_membership_history", "segment_feature_history", "segment_offer_history"}
    assert marts <= histories
    offenders = {
        str(path.relative_to(PROJECT_DIR)): ctes
        for path in sorted((PROJECT_DIR / "models").rglob("*.sql"))
        if (ctes := materialized_history_ctes(path.read_text(), histories))
    }
    assert not offenders, (
        f"{offenders}: declare these CTEs `name as {{{{ inline_cte() }}}} (`; DuckDB would"
        " otherwise copy every stored date on every build"
    )
