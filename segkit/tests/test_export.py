"""The audience export (segkit.export) on one small build with planted opt-outs.

Planted on the fault harness's clean tables (60 customers; all events in 2027, after
every clean event, so each is the customer's latest; holdout_share 0.3 so the small
offers have holdouts). Frequent Buyers get loyalty_double_points (email); Inactive
customers get winback_retargeting (ads, purpose sale_or_sharing):

- C21 control: marketing_email granted (clean data), sale_or_sharing granted, email
  '  Rita.Control@Example.COM ' (the hash must be of 'rita.control@example.com');
- C12 CCPA opt-out: sale_or_sharing granted, then revoked ("Do Not Sell or Share");
- C36 unsubscribed: an email `unsubscribe` after its last marketing_email grant;
- C47 unsubscribed, then granted marketing_email again (re-granted);
- C34 deleted: a deletion request by customer id (and sale_or_sharing granted);
- C16 without consent: every consent event removed;
- C44 granted sale_or_sharing, C57 granted then opted out (both Inactive).

Destinations (a test YAML): the email platform, an ad platform carrying the ads
offers, and an ad platform carrying the email offers (so customers with
marketing_email but a sale_or_sharing opt-out reach the export's own check).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from segkit import export
from segkit.tests.faults.harness import Build, clean_tables, dbt_build, write_raw

CONTROL_EMAIL = "  Rita.Control@Example.COM "
LOYALTY, WINBACK = "loyalty_double_points", "winback_retargeting"
DESTINATIONS = {
    "ad_platform_consent_purpose": "sale_or_sharing",
    "destinations": [
        {
            "name": "email_platform",
            "kind": "email_platform",
            "consent_purpose": "marketing_email",
            "channels": ["email"],
            "match_ids": ["customer_id"],
            "formats": ["csv", "parquet"],
        },
        {
            "name": "ads",
            "kind": "ad_platform",
            "consent_purpose": "sale_or_sharing",
            "channels": ["ads"],
            "match_ids": ["customer_id", "email_sha256"],
            "formats": ["csv", "parquet"],
        },
        {
            "name": "ads_email_offers",
            "kind": "ad_platform",
            "consent_purpose": "marketing_email",
            "channels": ["email"],
            "match_ids": ["customer_id", "email_sha256"],
            "formats": ["csv"],
        },
    ],
}


def consent(event_id: str, customer_id: str, purpose: str, status: str, at: str) -> dict:
    return {
        "consent_event_id": event_id,
        "customer_id": customer_id,
        "purpose": purpose,
        "status": status,
        "occurred_at": f"{at}Z",
        "_loaded_at": pd.Timestamp(at) + pd.Timedelta("1h"),
    }


def unsubscribe(event_id: str, customer_id: str, at: str) -> dict:
    return {
        "email_event_id": event_id,
        "customer_id": customer_id,
        "campaign_id": "cmp_email_0",
        "event_type": "unsubscribe",
        "occurred_at": f"{at}Z",
        "_loaded_at": pd.Timestamp(at) + pd.Timedelta("1h"),
    }


CONSENT = [
    consent("X1", "C21", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X2", "C12", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X3", "C12", "sale_or_sharing", "revoked", "2027-02-01 10:00:00"),
    consent("X4", "C36", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X5", "C47", "marketing_email", "granted", "2027-03-01 10:00:00"),
    consent("X6", "C34", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X7", "C44", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X8", "C57", "sale_or_sharing", "granted", "2027-01-01 10:00:00"),
    consent("X9", "C57", "sale_or_sharing", "revoked", "2027-02-01 10:00:00"),
]
UNSUBSCRIBES = [
    unsubscribe("U1", "C36", "2027-02-01 10:00:00"),
    unsubscribe("U2", "C47", "2027-02-01 10:00:00"),
]


@pytest.fixture(scope="module")
def raw_tables() -> dict[str, pd.DataFrame]:
    tables = clean_tables()
    customers = tables["customers"]
    customers.loc[customers["customer_id"] == "C21", "email"] = CONTROL_EMAIL
    events = tables["consent_events"]
    # the planted events alone decide sale_or_sharing (the generator grants it to ~60%)
    kept = events[(events["customer_id"] != "C16") & (events["purpose"] != "sale_or_sharing")]
    tables["consent_events"] = pd.concat([kept, pd.DataFrame(CONSENT)], ignore_index=True)
    tables["email_events"] = pd.concat(
        [tables["email_events"], pd.DataFrame(UNSUBSCRIBES)], ignore_index=True
    )
    tables["deletion_requests"] = pd.DataFrame(
        [
            {
                "request_id": "D1",
                "customer_id": "C34",
                "email": None,
                "requested_at": pd.Timestamp("2026-10-01"),
                "_loaded_at": pd.Timestamp("2026-10-01 01:00"),
            }
        ]
    )
    return tables


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, raw_tables: dict) -> Build:
    folder = tmp_path_factory.mktemp("export")
    raw = write_raw(folder / "raw", raw_tables, text=True)
    result = dbt_build(folder, raw, dbt_vars={"holdout_share": 0.3})
    assert result.ok, "\n".join(result.failures()) + result.output[-3000:]
    return result


@pytest.fixture(scope="module")
def exported(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    query, close = export.duckdb_reader(build.database)
    try:
        return export.run_export(
            query, export.parse_config(DESTINATIONS), tmp_path_factory.mktemp("out") / "exports"
        )
    finally:
        close()


@pytest.fixture(scope="module")
def holdouts(build: Build) -> dict[str, set[str]]:
    rows = build.query("select offer_id, customer_id from marts.segment_offers where is_holdout")
    found: dict[str, set[str]] = {}
    for offer_id, customer_id in rows:
        found.setdefault(offer_id, set()).add(customer_id)
    return found


def ids(folder: Path, destination: str, audience: str) -> set[str]:
    frame = pd.read_csv(folder / destination / f"{audience}.csv", dtype=str)
    return set(frame["customer_id"])


def test_email_platform_gets_consenting_non_holdout_customers_only(
    exported: Path, build: Build, holdouts: dict
) -> None:
    got = ids(exported, "email_platform", LOYALTY)
    assert {"C21", "C12", "C47"} - holdouts.get(LOYALTY, set()) <= got  # C47 re-granted
    assert not got & {
        "C36",
        "C34",
        "C16",
        "C10",
    }  # unsubscribed, deleted, no consent, never granted
    assert holdouts.get(LOYALTY), "holdout_share 0.3 should hold out someone of the offer"
    assert not got & holdouts[LOYALTY]
    expected = build.query(
        "select customer_id from marts.segment_offers"
        f" where offer_id = '{LOYALTY}' and not is_holdout"
    )
    assert got == {row[0] for row in expected}
    parquet = pd.read_parquet(exported / "email_platform" / f"{LOYALTY}.parquet")
    assert list(parquet.columns) == ["customer_id"] and set(parquet["customer_id"]) == got


def test_unsubscribe_revokes_marketing_email_until_a_later_grant(build: Build) -> None:
    rows = build.query(
        "select customer_id, is_granted, is_revoked, consent_updated_by"
        " from intermediate.int_customers__consent"
        " where purpose = 'marketing_email' and customer_id in ('C36', 'C47')"
    )
    assert {row[0]: row[1:] for row in rows} == {
        "C36": (False, True, "email_unsubscribe"),
        "C47": (True, False, "crm"),
    }


def test_ad_platforms_never_get_opted_out_holdout_or_deleted_customers(
    exported: Path, holdouts: dict
) -> None:
    via_email = ids(exported, "ads_email_offers", LOYALTY)
    assert via_email == {"C21"} - holdouts.get(
        LOYALTY, set()
    )  # C12 opted out, others never granted
    winback = ids(exported, "ads", WINBACK)
    assert "C57" not in winback and "C34" not in winback
    assert ("C44" in winback) == ("C44" not in holdouts.get(WINBACK, set()))
    manifest = json.loads((exported / "manifest.json").read_text())
    audiences = {
        (d["name"], a["audience"]): a for d in manifest["destinations"] for a in d["audiences"]
    }
    assert audiences[("ads_email_offers", LOYALTY)]["excluded"]["sale_or_sharing_opt_out"] == 1
    assert audiences[("email_platform", LOYALTY)]["excluded"]["holdout"] == len(holdouts[LOYALTY])


def test_ad_hash_is_the_unsalted_sha256_of_the_normalised_email(exported: Path) -> None:
    expected = hashlib.sha256(b"rita.control@example.com").hexdigest()
    assert export.email_sha256(CONTROL_EMAIL) == expected
    frame = pd.read_csv(exported / "ads_email_offers" / f"{LOYALTY}.csv", dtype=str)
    assert list(frame.columns) == ["customer_id", "email_sha256"]
    assert frame.loc[frame["customer_id"] == "C21", "email_sha256"].tolist() in ([expected], [])
    assert frame["email_sha256"].str.fullmatch("[0-9a-f]{64}").all()


def test_no_raw_email_or_phone_in_any_export_file(exported: Path, raw_tables: dict) -> None:
    customers = raw_tables["customers"]
    raw_values = {
        str(v).strip().lower() for v in pd.concat([customers["email"], customers["phone"]]).dropna()
    }
    files = [p for p in exported.rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).to_csv(index=False)
        else:
            text = path.read_text()
        lowered = text.lower()
        assert not [v for v in raw_values if v and v in lowered], path
        assert not re.search(export.EMAIL_SHAPE, text), path


def test_manifest_counts_and_checksums_match_the_files(exported: Path, build: Build) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    assert (
        manifest["as_of"]
        == exported.name
        == str(build.query("select max(as_of_date) from marts.segment_offers")[0][0])
    )
    assert manifest["generated_at"] and manifest["ad_platform_consent_purpose"] == "sale_or_sharing"
    for item in manifest["files"]:
        path = exported / item["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
        rows = len(pd.read_parquet(path)) if item["format"] == "parquet" else len(pd.read_csv(path))
        assert rows == item["rows"]
    audiences = {(f["destination"], f["audience"]) for f in manifest["files"]}
    assert ("ads", "lookalike_high_value") in audiences  # an audience is written even when empty


def test_a_failed_export_leaves_nothing_and_a_rerun_replaces(
    build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = export.parse_config(DESTINATIONS)
    query, close = export.duckdb_reader(build.database)
    try:
        first = export.run_export(query, config, tmp_path)
        (first / "stale.txt").write_text("from the first run")
        second = export.run_export(query, config, tmp_path)
        assert second == first and not (second / "stale.txt").exists()

        def broken(frame: pd.DataFrame, path: Path, file_format: str) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(export, "_write_file", broken)
        with pytest.raises(OSError):
            export.run_export(query, config, tmp_path)
    finally:
        close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]


def test_cli_with_the_repository_destinations(build: Build, tmp_path: Path) -> None:
    assert export.main(["--database", str(build.database), "--out", str(tmp_path)]) == 0
    manifest = json.loads(next(tmp_path.glob("*/manifest.json")).read_text())
    kinds = {d["kind"] for d in manifest["destinations"]}
    assert kinds == {"email_platform", "ad_platform", "onsite"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "ad_platform", "match_ids": ["customer_id"]}, "matches on email_sha256"),
        ({"match_ids": ["customer_id", "email_sha256"]}, "ad platforms only"),
        ({"match_ids": ["email"]}, "unknown match_ids"),
        ({"kind": "sms"}, "'kind' must be one of"),
    ],
)
def test_destination_config_is_validated(change: dict, message: str) -> None:
    raw = yaml.safe_load(yaml.safe_dump(DESTINATIONS))
    raw["destinations"][0].update(change)
    with pytest.raises(export.ExportError, match=message):
        export.parse_config(raw)


def test_generator_plants_sale_or_sharing_opt_outs_and_unsubscribes() -> None:
    from segkit.generate import GeneratorConfig, generate
    from segkit.generate.config import DirtRates

    tables = generate(GeneratorConfig(customers=400, seed=5, dirt=DirtRates().override(["all=0"])))
    consent_events = tables["consent_events"].to_pandas()
    sale = consent_events[consent_events["purpose"] == "sale_or_sharing"]
    counts = sale["status"].value_counts()
    assert 0.4 * 400 < counts["granted"] < 0.8 * 400
    assert 0.05 < counts["revoked"] / counts["granted"] < 0.2
    assert set(sale.loc[sale["status"] == "revoked", "customer_id"]) <= set(
        sale.loc[sale["status"] == "granted", "customer_id"]
    )
    email_events = tables["email_events"].to_pandas()
    assert (email_events["event_type"] == "unsubscribe").sum() > 0
