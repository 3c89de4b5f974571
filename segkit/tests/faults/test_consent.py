"""Fault family: consent events under messy input.

One dbt build on the clean tables with these marketing_email events planted (all in
2027, after every clean event, so they are each customer's latest):

- C10: a grant, then a revocation whose timestamp is unparseable (C10, C12 and C15
  are Frequent Buyers, whose offer needs marketing_email consent);
- C12: a grant, then a revocation dated years after it was loaded (clock ahead);
- C15: a grant and a revocation at the same instant (the grant loaded later);
- C43 grants with event id 'KX'; later C44 uses the same id 'KX' for its own grant;
- C45: a grant with an unparseable timestamp; C46: a grant dated after its load;
- raw values that do not parse (every column written as text): C47 a grant loaded
  at 'yesterday' (invalid_loaded_at); C48 a grant, then a revocation with a valid
  occurred_at loaded at 'yesterday' (kept: takes effect at its occurred_at); C49 a
  grant, then a revocation that can be dated by nothing (occurred_at 'epoch',
  _loaded_at 'garbage': invalid_loaded_at); C50 a grant, then a revocation with
  occurred_at 'epoch' (takes effect at its load); C51 status 'yes' and C52 status
  'true' (unknown_consent_status), C53 status ' Revoked ' (a revocation).
"""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

PURPOSE = "marketing_email"


def event(
    event_id: str, customer_id: str, status: str, occurred_at: str, loaded_at: str
) -> dict[str, object]:
    """A consent event; a loaded_at that is not a timestamp is planted as raw text."""
    try:
        loaded: object = pd.Timestamp(loaded_at)
    except ValueError:
        loaded = loaded_at
    return {
        "consent_event_id": event_id,
        "customer_id": customer_id,
        "purpose": PURPOSE,
        "status": status,
        "occurred_at": occurred_at,
        "_loaded_at": loaded,
    }


PLANTED = [
    event("F1", "C10", "granted", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("F2", "C10", "revoked", "not a timestamp", "2027-02-01 09:00:00"),
    event("F3", "C12", "granted", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("F4", "C12", "revoked", "2031-06-01 00:00:00Z", "2027-02-01 09:00:00"),
    event("F5", "C15", "revoked", "2027-03-01 12:00:00Z", "2027-03-01 12:05:00"),
    event("F6", "C15", "granted", "2027-03-01 13:00:00+01:00", "2027-03-01 12:30:00"),
    event("KX", "C43", "granted", "2027-01-05 08:00:00Z", "2027-01-05 09:00:00"),
    event("KX", "C44", "granted", "2027-01-06 08:00:00Z", "2027-01-06 09:00:00"),
    event("F7", "C45", "granted", "2027-13-45 25:00:00", "2027-01-01 11:00:00"),
    event("F8", "C46", "granted", "2031-01-01 00:00:00Z", "2027-01-01 11:00:00"),
    event("R1", "C47", "granted", "2027-01-01 10:00:00Z", "yesterday"),
    event("R2", "C48", "granted", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("R3", "C48", "revoked", "2027-02-01 08:00:00Z", "yesterday"),
    event("R4", "C49", "granted", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("R5", "C49", "revoked", "epoch", "garbage"),
    event("R6", "C50", "granted", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("R7", "C50", "revoked", "epoch", "2027-02-01 09:00:00"),
    event("R8", "C51", "yes", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("R9", "C52", "true", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
    event("R10", "C53", " Revoked ", "2027-01-01 10:00:00Z", "2027-01-01 11:00:00"),
]
PLANTED_CUSTOMERS = sorted({row["customer_id"] for row in PLANTED})


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tables = clean_tables()
    tables["consent_events"] = pd.concat(
        [tables["consent_events"], pd.DataFrame(PLANTED)], ignore_index=True
    )
    tables["deletion_requests"] = tables["deletion_requests"].iloc[0:0]
    folder = tmp_path_factory.mktemp("consent")
    raw = write_raw(folder / "raw", tables, text=True)
    result = dbt_build(folder, raw)
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def consent(build: Build) -> dict[str, tuple[bool, object]]:
    rows = build.query(
        "select customer_id, is_granted, consent_updated_at"
        " from intermediate.int_customers__consent"
        f" where purpose = '{PURPOSE}'"
        f" and customer_id in ({', '.join(repr(c) for c in PLANTED_CUSTOMERS)})"
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def test_revocation_with_unparseable_time_takes_effect_at_load(build: Build, consent: dict) -> None:
    assert consent["C10"] == (False, pd.Timestamp("2027-02-01 09:00:00").to_pydatetime())
    staged = build.query(
        "select is_dated_at_load from staging.stg_crm__consent_events"
        " where consent_event_id = 'F2'"
    )
    assert staged == [(True,)]


def test_revocation_dated_in_the_future_takes_effect_at_load(consent: dict) -> None:
    assert consent["C12"] == (False, pd.Timestamp("2027-02-01 09:00:00").to_pydatetime())


def test_revocations_are_never_quarantined(build: Build) -> None:
    quarantined = build.quarantined("crm.consent_events")
    assert not quarantined.natural_key.isin(["F2", "F4", "F5"]).any()


def test_revocation_wins_a_tie_with_a_grant(consent: dict) -> None:
    assert consent["C15"] == (False, pd.Timestamp("2027-03-01 12:00:00").to_pydatetime())


def test_event_id_reused_by_another_customer_supersedes_nothing(
    build: Build, consent: dict
) -> None:
    assert consent["C43"][0] is True and consent["C44"][0] is True
    outcomes = build.query(
        "select customer_id, record_outcome from staging.base_crm__consent_events"
        " where consent_event_id = 'KX' order by 1"
    )
    assert outcomes == [("C43", "kept"), ("C44", "kept")]


def test_grant_that_cannot_be_dated_stays_quarantined(build: Build, consent: dict) -> None:
    quarantined = build.quarantined("crm.consent_events")
    reasons = dict(zip(quarantined.natural_key, quarantined.rejection_reason))
    assert reasons.get("F7") == "invalid_occurred_at"
    assert reasons.get("F8") == "future_occurred_at"
    assert (
        consent["C45"][1] is None or consent["C45"][1] < pd.Timestamp("2027-01-01").to_pydatetime()
    )
    assert (
        consent["C46"][1] is None or consent["C46"][1] < pd.Timestamp("2027-01-01").to_pydatetime()
    )


@pytest.mark.parametrize(
    ("event_id", "reason"),
    [
        ("R1", "invalid_loaded_at"),
        ("R5", "invalid_loaded_at"),
        ("R8", "unknown_consent_status"),
        ("R9", "unknown_consent_status"),
    ],
)
def test_unparseable_raw_values_are_quarantined(build: Build, event_id: str, reason: str) -> None:
    quarantined = build.quarantined("crm.consent_events")
    assert dict(zip(quarantined.natural_key, quarantined.rejection_reason)).get(event_id) == reason


@pytest.mark.parametrize("customer_id", ["C47", "C51", "C52"])
def test_quarantined_grant_changes_nothing(consent: dict, customer_id: str) -> None:
    updated_at = consent[customer_id][1]
    assert updated_at is None or updated_at < pd.Timestamp("2027-01-01").to_pydatetime()


def test_revocation_with_unparseable_load_time_takes_effect_at_its_own_time(
    build: Build, consent: dict
) -> None:
    assert consent["C48"] == (False, pd.Timestamp("2027-02-01 08:00:00").to_pydatetime())
    staged = build.query(
        "select is_dated_at_load, _loaded_at from staging.stg_crm__consent_events"
        " where consent_event_id = 'R3'"
    )
    assert staged == [(False, None)]


def test_revocation_dated_by_nothing_is_quarantined_not_guessed(consent: dict) -> None:
    assert consent["C49"] == (True, pd.Timestamp("2027-01-01 10:00:00").to_pydatetime())


def test_revocation_at_epoch_takes_effect_at_load(consent: dict) -> None:
    assert consent["C50"] == (False, pd.Timestamp("2027-02-01 09:00:00").to_pydatetime())


def test_padded_capitalised_status_is_a_revocation(consent: dict) -> None:
    assert consent["C53"] == (False, pd.Timestamp("2027-01-01 10:00:00").to_pydatetime())


def test_no_offer_after_a_revocation(build: Build) -> None:
    """C10, C12 and C15 are Frequent Buyers, whose offer needs marketing_email."""
    members = build.query(
        "select count(distinct customer_id) from marts.segment_membership"
        " where segment_name = 'Frequent Buyers' and customer_id in ('C10', 'C12', 'C15')"
    )
    assert members == [(3,)]
    offers = build.query(
        "select count(*) from marts.segment_offers"
        f" where customer_id in ('C10', 'C12', 'C15') and consent_purpose = '{PURPOSE}'"
    )
    assert offers == [(0,)]


def test_build_passes_every_data_test(build: Build) -> None:
    assert build.failures() == []
