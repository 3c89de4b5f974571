"""Fault family: deletion (right-to-erasure) requests under messy input.

One dbt build on the clean tables (its own two requests removed) with these
requests planted:

- R-FORMER: by C10's former email (an older version of the CRM record had it);
- R-REUSED twice: the same request id first for C11 (who has a duplicate CRM
  record C11B with the same email and phone), later for C12;
- R-CASE: customer id ' c13 ' (lower case, padded) for CRM id 'C13';
- R-SHARED: by 'noemail@example.com', a placeholder on C20..C24;
- R-AMBIGUOUS: 'x 1' while CRM ids 'X1' and 'x1' both exist;
- R-QUARANTINED: 'CQ', a CRM id whose only row fails validation;
- R-NOBODY: 'C999', no such customer;
- raw values that do not parse (every column written as text; a request is honoured
  whatever its timestamps): R-LOADED for C14, loaded at 'yesterday'; R-EPOCH for
  C15, requested at 'epoch'; R-BLANK, id '  ' (missing_request_id).
"""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

SHARERS = [f"C{i}" for i in range(20, 25)]
LOADED = pd.Timestamp("2026-11-01 00:00:00")


def request(
    request_id: str,
    customer_id: str | None,
    email: str | None,
    days: int = 0,
    *,
    requested_at: str = "2026-10-31 12:00:00Z",
    loaded_at: str | None = None,
) -> dict[str, object]:
    """A request loaded `days` after LOADED, or at the raw text `loaded_at`."""
    return {
        "request_id": request_id,
        "customer_id": customer_id,
        "email": email,
        "requested_at": requested_at,
        "_loaded_at": loaded_at if loaded_at is not None else LOADED + pd.Timedelta(days=days),
    }


def plant(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    customers = tables["customers"].copy()
    customers.loc[customers.customer_id.isin(SHARERS), "email"] = "noemail@example.com"
    c10 = customers[customers.customer_id == "C10"].iloc[0]
    former = c10.copy()
    former["email"] = "Lena.Former@Example.com"
    former["updated_at"] = c10["updated_at"] - pd.Timedelta(days=30)
    former["_loaded_at"] = c10["_loaded_at"] - pd.Timedelta(days=30)
    x_upper = c10.copy()
    x_upper["customer_id"], x_upper["email"], x_upper["phone"] = "X1", "x.upper@example.com", None
    x_lower = c10.copy()
    x_lower["customer_id"], x_lower["email"], x_lower["phone"] = "x1", "x.lower@example.com", None
    quarantined = c10.copy()
    quarantined["customer_id"], quarantined["email"], quarantined["phone"] = (
        "CQ",
        "cq@example.com",
        None,
    )
    quarantined["signup_at"] = "not a date"
    c11_duplicate = customers[customers.customer_id == "C11"].iloc[0].copy()
    c11_duplicate["customer_id"] = "C11B"
    tables["customers"] = pd.concat(
        [customers, pd.DataFrame([former, x_upper, x_lower, quarantined, c11_duplicate])],
        ignore_index=True,
    )
    tables["deletion_requests"] = pd.DataFrame(
        [
            request("R-FORMER", None, " lena.former@EXAMPLE.com "),
            request("R-REUSED", "C11", None, days=0),
            request("R-REUSED", "C12", None, days=1),
            request("R-CASE", " c13 ", None),
            request("R-SHARED", None, "NoEmail@example.com"),
            request("R-AMBIGUOUS", "x 1", None),
            request("R-QUARANTINED", "cq", None),
            request("R-NOBODY", "C999", None),
            request("R-LOADED", "C14", None, loaded_at="yesterday"),
            request("R-EPOCH", "C15", None, requested_at="epoch"),
            request("  ", "C16", None),
        ]
    )
    return tables


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder = tmp_path_factory.mktemp("deletions")
    raw = write_raw(folder / "raw", plant(clean_tables()), text=True)
    result = dbt_build(folder, raw)
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def persons(build: Build) -> set[str]:
    return {
        row[0]
        for row in build.query("select customer_id from intermediate.int_customers__resolved")
    }


@pytest.fixture(scope="module")
def outcomes(build: Build) -> pd.DataFrame:
    return build.frame("select * from intermediate.int_identity__deletion_request_outcomes")


def outcome_of(outcomes: pd.DataFrame, request_id: str) -> list[str]:
    return sorted(outcomes.loc[outcomes.request_id == request_id, "deletion_outcome"])


def test_deletion_by_former_email_deletes_the_person(
    persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert "C10" not in persons
    assert outcome_of(outcomes, "R-FORMER") == ["matched"]


def test_reused_request_id_for_another_person_deletes_both(
    persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert {"C11", "C12"} & persons == set()
    assert outcome_of(outcomes, "R-REUSED") == ["matched", "matched"]


def test_deleted_persons_own_shared_identifiers_are_erased(build: Build) -> None:
    """C11 and C11B share an email and a phone (listed, within the limit); once the
    person is deleted, the audit keeps only the placeholder, no hash of theirs."""
    rows = build.query(
        "select identifier_type, count_crm_records, is_excluded_from_linking"
        " from intermediate.int_identity__shared_identifiers order by 1"
    )
    assert rows == [("email", len(SHARERS), True)]


def test_request_id_in_other_case_and_padded_is_honoured(
    persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert "C13" not in persons
    assert outcome_of(outcomes, "R-CASE") == ["matched"]


def test_placeholder_email_deletes_nobody_and_waits_for_review(
    build: Build, persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert set(SHARERS) <= persons
    assert outcome_of(outcomes, "R-SHARED") == ["shared_identifier_needs_review"]
    row = outcomes[outcomes.request_id == "R-SHARED"].iloc[0]
    assert bool(row.is_review_needed) and row.count_persons_deleted == 0
    # nor is the placeholder erased from the sharers' raw records
    kept = build.query(
        "select count(*) from staging.base_crm__customers"
        f" where customer_id in ({', '.join(repr(i) for i in SHARERS)})"
        " and email_raw = 'noemail@example.com'"
    )
    assert kept == [(len(SHARERS),)]


def test_ambiguous_id_deletes_nobody_and_waits_for_review(
    persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert {"X1", "x1"} <= persons
    assert outcome_of(outcomes, "R-AMBIGUOUS") == ["ambiguous_customer_id_needs_review"]


def test_quarantined_record_is_reported_and_its_pii_erased(
    build: Build, outcomes: pd.DataFrame
) -> None:
    assert outcome_of(outcomes, "R-QUARANTINED") == ["quarantined"]
    erased = build.query(
        "select email_raw, first_name from staging.base_crm__customers"
        " where customer_id = 'CQ'"
    )
    assert erased == [(None, None)]


def test_unmatched_request_is_reported(outcomes: pd.DataFrame) -> None:
    assert outcome_of(outcomes, "R-NOBODY") == ["no_such_customer"]
    assert len(outcomes) == 10


def test_nobody_else_is_deleted(persons: set[str]) -> None:
    clean_persons = {f"C{i}" for i in range(60)} | {"X1", "x1"}
    assert "C11B" not in persons
    assert clean_persons - persons == {"C10", "C11", "C12", "C13", "C14", "C15"}


def test_request_loaded_at_unparseable_time_is_honoured(
    build: Build, persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert "C14" not in persons
    assert outcome_of(outcomes, "R-LOADED") == ["matched"]
    staged = build.query(
        "select requested_at, _loaded_at from staging.stg_crm__deletion_requests"
        " where request_id = 'R-LOADED'"
    )
    assert staged == [(pd.Timestamp("2026-10-31 12:00:00").to_pydatetime(), None)]


def test_request_made_at_epoch_is_honoured_undated(
    build: Build, persons: set[str], outcomes: pd.DataFrame
) -> None:
    assert "C15" not in persons
    assert outcome_of(outcomes, "R-EPOCH") == ["matched"]
    staged = build.query(
        "select requested_at, _loaded_at from staging.stg_crm__deletion_requests"
        " where request_id = 'R-EPOCH'"
    )
    assert staged == [(None, LOADED.to_pydatetime())]


def test_request_without_id_is_quarantined(build: Build, persons: set[str]) -> None:
    quarantined = build.quarantined("crm.deletion_requests")
    assert list(quarantined.rejection_reason) == ["missing_request_id"]
    assert "requested_at_raw=2026-10-31 12:00:00Z" in quarantined.raw_values[0]
    assert "C16" in persons


def test_former_email_and_ids_erased_after_the_build(build: Build) -> None:
    former = build.query(
        "select count(*) from staging.base_crm__customers"
        " where customer_id = 'C10' and email_raw is not null"
    )
    assert former == [(0,)]
    leftovers = build.query("select count(*) from intermediate.int_identity__deletion_matches")
    assert leftovers == [(0,)]


def test_build_passes_every_data_test(build: Build) -> None:
    assert build.failures() == []
