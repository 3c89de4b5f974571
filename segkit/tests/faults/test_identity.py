"""Fault family: identifiers shared by many CRM records, and internationalised emails.

One dbt build on the clean tables with these faults planted:

- a placeholder phone '+1 (555) 555-5555' on 8 CRM records and a placeholder email
  'noemail@example.com' on 6 others (both above the default 3 CRM records per
  identifier): before the guard, each group became one person;
- a genuine duplicate (a second CRM record with C40's email): still one person;
- internationalised emails (unicode local part and domain, a unicode TLD, punycode),
  written in upper case: valid, so the customer is not quarantined;
- obviously invalid emails (typos of forms): still quarantined as invalid_email.
"""

from __future__ import annotations

import pandas as pd
import pytest

from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

PHONE_SHARERS = [f"C{i}" for i in range(8)]
EMAIL_SHARERS = [f"C{i}" for i in range(8, 14)]
UNICODE_EMAILS = {
    "C30": "José@Exämple.com",
    "C31": "用户@例子.中国",
    "C32": "USER@XN--EXMPLE-CUA.COM",
    "C33": "müller@xn--fiqs8s.xn--fiqs8s",
}
INVALID_EMAILS = {
    "C34": "jane.doe@",
    "C35": "jane doe@example.com",
    "C36": "jane.doe@@example.com",
    "C37": "a@c",
}


def plant(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    customers = tables["customers"].copy()
    customers.loc[customers.customer_id.isin(PHONE_SHARERS), "phone"] = "+1 (555) 555-5555"
    customers.loc[customers.customer_id.isin(EMAIL_SHARERS), "email"] = "noemail@example.com"
    for customer_id, email in {**UNICODE_EMAILS, **INVALID_EMAILS}.items():
        customers.loc[customers.customer_id == customer_id, "email"] = email
    duplicate = customers[customers.customer_id == "C40"].copy()
    duplicate["customer_id"] = "C40B"
    duplicate["phone"] = None
    tables["customers"] = pd.concat([customers, duplicate], ignore_index=True)
    # no deletion request may remove a customer this module looks at
    tables["deletion_requests"] = tables["deletion_requests"].iloc[0:0]
    return tables


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    folder = tmp_path_factory.mktemp("identity")
    raw = write_raw(folder / "raw", plant(clean_tables()), text=True)
    result = dbt_build(folder, raw)
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


def person_of(build: Build, crm_ids: list[str]) -> dict[str, str | None]:
    ids = ", ".join(f"'customer:{i}'" for i in crm_ids)
    rows = build.query(
        "select node_key, customer_id from intermediate.int_identity__components"
        f" where node_id in ({ids})"
    )
    return dict(rows)


def test_placeholder_phone_merges_nobody(build: Build) -> None:
    persons = person_of(build, PHONE_SHARERS)
    assert persons == {crm_id: crm_id for crm_id in PHONE_SHARERS}
    merged = build.query(
        "select max(count_crm_records) from intermediate.int_customers__resolved"
        f" where customer_id in ({', '.join(repr(i) for i in PHONE_SHARERS)})"
    )
    assert merged == [(1,)]


def test_placeholder_email_merges_nobody(build: Build) -> None:
    persons = person_of(build, EMAIL_SHARERS)
    assert persons == {crm_id: crm_id for crm_id in EMAIL_SHARERS}


def test_orders_of_placeholder_sharers_stay_with_their_own_customer(build: Build) -> None:
    wrong = build.query(
        """
        select count(*)
        from intermediate.int_orders__resolved as resolved
        inner join staging.stg_shop__orders as staged
            on resolved.order_id = staged.order_id
        where staged.customer_id in ('C0', 'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7')
            and resolved.customer_id <> staged.customer_id
        """
    )
    assert wrong == [(0,)]


def test_shared_identifiers_reported_as_hashes_with_counts(build: Build) -> None:
    shared = build.frame(
        "select * from intermediate.int_identity__shared_identifiers order by identifier_type"
    )
    excluded = shared[shared.is_excluded_from_linking]
    assert sorted(zip(excluded.identifier_type, excluded.count_crm_records)) == [
        ("email", 6),
        ("phone", 8),
    ]
    assert excluded.identifier_hash.str.fullmatch("[0-9a-f]{64}").all()
    text = shared.astype(str).to_string()
    assert "555" not in text and "noemail" not in text
    # the genuine duplicate (2 records <= identity_max_customers_per_email) is listed, not excluded
    linked = shared[~shared.is_excluded_from_linking]
    assert ("email", 2) in set(zip(linked.identifier_type, linked.count_crm_records))


def test_duplicate_record_within_the_limit_still_merges(build: Build) -> None:
    assert person_of(build, ["C40", "C40B"]) == {"C40": "C40", "C40B": "C40"}


def test_internationalised_emails_are_valid(build: Build) -> None:
    quarantined = build.quarantined("crm.customers")
    assert not quarantined.natural_key.isin(list(UNICODE_EMAILS)).any()
    # each keeps its email as an identity node (a table: views hash with the
    # session's salt, which a plain connection does not have)
    linked = build.query(
        "select customer_id from intermediate.int_identity__components"
        " where node_type = 'email'"
        f" and customer_id in ({', '.join(repr(i) for i in UNICODE_EMAILS)})"
        " order by 1"
    )
    assert [row[0] for row in linked] == sorted(UNICODE_EMAILS)


def test_unicode_email_normalised_to_lower_case(build: Build) -> None:
    normalized = build.query(
        "select email_normalized from staging.base_crm__customers where customer_id = 'C30'"
    )
    assert normalized == [("josé@exämple.com",)]


def test_obviously_invalid_emails_stay_quarantined(build: Build) -> None:
    quarantined = build.quarantined("crm.customers")
    reasons = dict(zip(quarantined.natural_key, quarantined.rejection_reason))
    assert {crm_id: reasons.get(crm_id) for crm_id in INVALID_EMAILS} == {
        crm_id: "invalid_email" for crm_id in INVALID_EMAILS
    }


def test_build_passes_every_data_test(build: Build) -> None:
    assert build.failures() == []
