"""Audience export: for the latest as_of, one file per destination and audience (an
offer of seeds/segment_offer_map.csv) in CSV and/or Parquet, plus manifest.json.

    python -m segkit.export --database data/segmentation.duckdb --out data/exports
    python -m segkit.export --target snowflake --out data/exports   # SNOWFLAKE_* env vars

Destinations come from a YAML file (default export/destinations.yml). A customer is
written to a destination's audience file only when they are in segment_offers for
that offer at the latest as_of, are not in the offer's holdout (is_holdout), are a
current customer (in int_customers__resolved, so never a person with a deletion
request), have granted the destination's consent purpose, and, for an ad platform,
have granted sale_or_sharing (no "Do Not Sell or Share" opt-out). Rows carry only the
destination's match ids: customer_id and, for ad platforms, email_sha256, the
unsalted SHA-256 of the trimmed, lower-cased email that Google Customer Match and
Meta Custom Audiences match on (read from the restricted view
int_customers__ad_match_keys; the marts never hold it). No raw email or phone is
read, and before a file is written every value is checked (no email-shaped id, every
hash 64 lower-case hex characters, no email or phone shape in any other column). The
export is written to a hidden temporary folder and renamed to <out>/<as_of>/ in one
step, so a reader never sees half an export.
See docs/campaigns.md "Audience export".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

KINDS = ("email_platform", "ad_platform", "onsite")
MATCH_IDS = ("customer_id", "email_sha256")
FORMATS = ("csv", "parquet")
DEFAULT_DESTINATIONS = Path(__file__).resolve().parent.parent / "export" / "destinations.yml"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
# The same shapes the dbt PII scans look for (macros/staging/models_downstream_of_staging.sql).
EMAIL_SHAPE = re.compile(r"[A-Za-z0-9_.%+-]+@[A-Za-z0-9-]+(?:[.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}")
PHONE_SHAPE = re.compile(
    r"(?:^|[^0-9A-Za-z])(?:[+][0-9][0-9 ().-]{6,}[0-9]"
    r"|[(]?[0-9]{2,4}[)]?[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}"
    r"|[0-9]{10,15})(?:[^0-9A-Za-z]|$)"
)
# Why a candidate (a customer of segment_offers for an exported offer) is not written;
# the first that applies counts, in this order.
EXCLUSIONS = (
    "deleted_or_unknown_customer",
    "holdout",
    "no_consent",
    "sale_or_sharing_opt_out",
    "no_sale_or_sharing_consent",
    "no_match_key",
)


class ExportError(Exception):
    """A configuration or data problem that stops the export (nothing is written)."""


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    consent_purpose: str
    channels: tuple[str, ...]
    match_ids: tuple[str, ...]
    formats: tuple[str, ...]
    description: str = ""

    @property
    def is_ad_platform(self) -> bool:
        return self.kind == "ad_platform"


@dataclass(frozen=True)
class ExportConfig:
    destinations: tuple[Destination, ...]
    ad_platform_consent_purpose: str


def normalise_email(email: str) -> str:
    """The form Google Customer Match and Meta Custom Audiences hash: surrounding
    whitespace removed, lower case (macro normalize_email in SQL)."""
    return email.strip().lower()


def email_sha256(email: str) -> str:
    """Unsalted SHA-256 of the normalised email, lower-case hex."""
    return hashlib.sha256(normalise_email(email).encode("utf-8")).hexdigest()


def _as_tuple(value: object, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ExportError(f"{where}: '{key}' must be a non-empty list of names, got {value!r}")
    return tuple(value)


def parse_config(raw: Mapping, source: str = "destinations") -> ExportConfig:
    """Validate the destinations YAML (already parsed); errors name the file, the
    destination and the key."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("destinations"), list):
        raise ExportError(f"{source}: expected a mapping with a 'destinations' list")
    ad_purpose = raw.get("ad_platform_consent_purpose")
    if not isinstance(ad_purpose, str) or not ad_purpose:
        raise ExportError(
            f"{source}: 'ad_platform_consent_purpose' (e.g. sale_or_sharing) is required"
        )
    destinations = []
    for index, item in enumerate(raw["destinations"]):
        where = f"{source}: destinations[{index}]"
        if not isinstance(item, Mapping):
            raise ExportError(f"{where}: expected a mapping")
        name = item.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise ExportError(f"{where}: 'name' must match {NAME_PATTERN.pattern}, got {name!r}")
        where = f"{source}: destination {name}"
        kind = item.get("kind")
        if kind not in KINDS:
            raise ExportError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
        purpose = item.get("consent_purpose")
        if not isinstance(purpose, str) or not purpose:
            raise ExportError(f"{where}: 'consent_purpose' is required")
        match_ids = _as_tuple(item.get("match_ids"), where, "match_ids")
        unknown = sorted(set(match_ids) - set(MATCH_IDS))
        if unknown:
            raise ExportError(
                f"{where}: unknown match_ids {unknown}; known: {', '.join(MATCH_IDS)}"
            )
        if kind == "ad_platform" and "email_sha256" not in match_ids:
            raise ExportError(
                f"{where}: an ad_platform matches on email_sha256; add it to match_ids"
            )
        if kind != "ad_platform" and "email_sha256" in match_ids:
            raise ExportError(
                f"{where}: email_sha256 (an unsalted email hash) goes to ad platforms only"
            )
        formats = _as_tuple(item.get("formats", list(FORMATS)), where, "formats")
        unknown = sorted(set(formats) - set(FORMATS))
        if unknown:
            raise ExportError(f"{where}: unknown formats {unknown}; known: {', '.join(FORMATS)}")
        destinations.append(
            Destination(
                name=name,
                kind=kind,
                consent_purpose=purpose,
                channels=_as_tuple(item.get("channels"), where, "channels"),
                match_ids=tuple(m for m in MATCH_IDS if m in match_ids),
                formats=tuple(f for f in FORMATS if f in formats),
                description=str(item.get("description", "")),
            )
        )
    names = [d.name for d in destinations]
    if len(set(names)) != len(names):
        raise ExportError(f"{source}: destination names must be unique, got {names}")
    return ExportConfig(tuple(destinations), ad_purpose)


def load_config(path: Path) -> ExportConfig:
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except OSError as error:
        raise ExportError(f"cannot read destinations file {path}: {error}") from error
    return parse_config(raw, str(path))


# --- reading (engine-neutral SQL: plain joins, no engine functions) -------------------


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(_sql_string(v) for v in values)


def candidates_sql(destination: Destination, ad_purpose: str, marts: str, intermediate: str) -> str:
    """One row per (customer, offer) of segment_offers at its latest as_of_date for the
    destination's channels, with everything the export decides on. Reads the public
    marts, the consent and resolved-customer intermediates and the restricted match
    keys; never a raw identifier."""
    match_keys_join = (
        f"left join {intermediate}.int_customers__ad_match_keys as match_keys"
        " on offers.customer_id = match_keys.customer_id"
        if destination.is_ad_platform
        else ""
    )
    return f"""
with latest as (
    select max(as_of_date) as as_of_date from {marts}.segment_offers
),
offers as (
    select segment_offers.customer_id, segment_offers.offer_id, segment_offers.as_of_date,
        segment_offers.is_holdout
    from {marts}.segment_offers as segment_offers
    inner join latest on segment_offers.as_of_date = latest.as_of_date
    where segment_offers.channel in ({_sql_list(destination.channels)})
),
purpose_consent as (
    select customer_id, is_granted from {intermediate}.int_customers__consent
    where purpose = {_sql_string(destination.consent_purpose)}
),
ad_consent as (
    select customer_id, is_granted, is_revoked from {intermediate}.int_customers__consent
    where purpose = {_sql_string(ad_purpose)}
)
select
    offers.customer_id,
    offers.offer_id,
    offers.as_of_date,
    offers.is_holdout,
    case when resolved.customer_id is null then 1 else 0 end as is_unknown_customer,
    case when purpose_consent.is_granted then 1 else 0 end as has_consent,
    case when ad_consent.is_granted then 1 else 0 end as has_ad_consent,
    case when ad_consent.is_revoked then 1 else 0 end as has_ad_opt_out,
    {"match_keys.email_sha256" if destination.is_ad_platform else "cast(null as varchar)"}
        as email_sha256
from offers
left join {intermediate}.int_customers__resolved as resolved
    on offers.customer_id = resolved.customer_id
left join purpose_consent on offers.customer_id = purpose_consent.customer_id
left join ad_consent on offers.customer_id = ad_consent.customer_id
{match_keys_join}
"""


def audiences_sql(destination: Destination, reference: str) -> str:
    """Every offer of the offer map in the destination's channels (an audience with no
    eligible customer still gets its, empty, file)."""
    return (
        f"select distinct offer_id from {reference}.segment_offer_map "
        f"where channel in ({_sql_list(destination.channels)}) order by offer_id"
    )


Query = Callable[[str], pd.DataFrame]


def duckdb_reader(database: Path) -> tuple[Query, Callable[[], None]]:
    import duckdb

    if not Path(database).exists():
        raise ExportError(f"database {database} does not exist (run `make build` first)")
    connection = duckdb.connect(str(database), read_only=True)

    def query(sql: str) -> pd.DataFrame:
        return connection.execute(sql).df()

    return query, connection.close


def snowflake_reader(env: Mapping[str, str] = os.environ) -> tuple[Query, Callable[[], None]]:
    """The snowflake connector with the profile's SNOWFLAKE_* variables: ACCOUNT, USER,
    and PASSWORD or PRIVATE_KEY_PATH (+ PRIVATE_KEY_PASSPHRASE), ROLE, WAREHOUSE,
    DATABASE (default SEGMENTATION). The role must see int_customers__ad_match_keys'
    email_sha256 unmasked (var snowflake_pii_unmasked_roles) to export to ad platforms."""
    import snowflake.connector

    missing = [name for name in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER") if not env.get(name)]
    if missing:
        raise ExportError(f"--target snowflake needs env {', '.join(missing)}")
    params = {
        "account": env["SNOWFLAKE_ACCOUNT"],
        "user": env["SNOWFLAKE_USER"],
        "database": env.get("SNOWFLAKE_DATABASE") or "SEGMENTATION",
    }
    for key in ("password", "role", "warehouse", "private_key_file", "private_key_file_pwd"):
        name = {
            "private_key_file": "SNOWFLAKE_PRIVATE_KEY_PATH",
            "private_key_file_pwd": "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
        }.get(key, f"SNOWFLAKE_{key.upper()}")
        if env.get(name):
            params[key] = env[name]
    connection = snowflake.connector.connect(**params)

    def query(sql: str) -> pd.DataFrame:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            columns = [c[0].lower() for c in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=columns)
        finally:
            cursor.close()

    return query, connection.close


# --- deciding (pure) --------------------------------------------------------------------


def exclusion_reasons(candidates: pd.DataFrame, destination: Destination) -> pd.Series:
    """Per candidate row, the first reason (EXCLUSIONS order) it is not exported, or
    None when it is."""
    flags = {
        "deleted_or_unknown_customer": candidates["is_unknown_customer"].astype(bool),
        "holdout": candidates["is_holdout"].fillna(True).astype(bool),
        "no_consent": ~candidates["has_consent"].astype(bool),
        "sale_or_sharing_opt_out": candidates["has_ad_opt_out"].astype(bool)
        & destination.is_ad_platform,
        "no_sale_or_sharing_consent": ~candidates["has_ad_consent"].astype(bool)
        & destination.is_ad_platform,
        "no_match_key": candidates["email_sha256"].isna()
        & ("email_sha256" in destination.match_ids),
    }
    reason = pd.Series([None] * len(candidates), index=candidates.index, dtype=object)
    for name in reversed(EXCLUSIONS):
        reason = reason.mask(flags[name].to_numpy(), name)
    return reason


def audience_frame(candidates: pd.DataFrame, destination: Destination) -> pd.DataFrame:
    """The rows written for one audience: the destination's match ids only, one row per
    key, sorted (so a rerun writes identical files)."""
    rows = candidates.loc[:, list(destination.match_ids)].astype("string")
    return rows.drop_duplicates().sort_values(list(destination.match_ids)).reset_index(drop=True)


def check_no_raw_pii(frame: pd.DataFrame, where: str) -> None:
    """Refuse to write a file holding an email- or phone-shaped value, or a malformed
    hash (defence in depth: the warehouse already gates PII)."""
    for column in frame.columns:
        values = frame[column].dropna().astype(str)
        if column == "email_sha256":
            bad = values[~values.str.fullmatch(SHA256_PATTERN.pattern)]
        elif column == "customer_id":
            bad = values[values.str.contains(EMAIL_SHAPE.pattern, regex=True)]
        else:
            bad = values[
                values.str.contains(EMAIL_SHAPE.pattern, regex=True)
                | values.str.contains(PHONE_SHAPE.pattern, regex=True)
            ]
        if len(bad):
            raise ExportError(
                f"{where}: column {column} holds {len(bad)} value(s) that look like raw PII"
            )


# --- writing ----------------------------------------------------------------------------


@dataclass
class AudienceResult:
    destination: Destination
    audience: str
    frame: pd.DataFrame
    candidates: int
    excluded: dict[str, int] = field(default_factory=dict)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_file(frame: pd.DataFrame, path: Path, file_format: str) -> None:
    if file_format == "csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False).cast(
            pa.schema([(name, pa.string()) for name in frame.columns])
        )
        pq.write_table(table, path)


def write_export(
    out: Path, as_of: str, results: Sequence[AudienceResult], meta: Mapping[str, object]
) -> Path:
    """Write every file and manifest.json into a hidden temporary folder next to
    <out>/<as_of>, then rename it into place (a previous export of the same as_of is
    replaced). Returns the final folder."""
    out.mkdir(parents=True, exist_ok=True)
    final = out / as_of
    staging = out / f".tmp-{as_of}-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        files = []
        for result in results:
            folder = staging / result.destination.name
            folder.mkdir(exist_ok=True)
            for file_format in result.destination.formats:
                path = folder / f"{result.audience}.{file_format}"
                _write_file(result.frame, path, file_format)
                files.append(
                    {
                        "destination": result.destination.name,
                        "kind": result.destination.kind,
                        "audience": result.audience,
                        "format": file_format,
                        "path": str(path.relative_to(staging)),
                        "rows": len(result.frame),
                        "columns": list(result.frame.columns),
                        "sha256": _sha256_file(path),
                    }
                )
        manifest = {
            **meta,
            "as_of": as_of,
            "destinations": [
                {
                    "name": d.name,
                    "kind": d.kind,
                    "consent_purpose": d.consent_purpose,
                    "requires_consent_purposes": sorted(
                        {d.consent_purpose, meta["ad_platform_consent_purpose"]}
                        if d.is_ad_platform
                        else {d.consent_purpose}
                    ),
                    "channels": list(d.channels),
                    "match_ids": list(d.match_ids),
                    "audiences": [
                        {
                            "audience": r.audience,
                            "candidates": r.candidates,
                            "exported": len(r.frame),
                            "excluded": r.excluded,
                        }
                        for r in results
                        if r.destination is d
                    ],
                }
                for d in dict.fromkeys(r.destination for r in results)
            ],
            "files": files,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        if final.exists():
            retired = out / f".old-{as_of}-{uuid.uuid4().hex}"
            final.rename(retired)
            staging.rename(final)
            shutil.rmtree(retired)
        else:
            staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def run_export(
    query: Query,
    config: ExportConfig,
    out: Path,
    *,
    marts: str = "marts",
    intermediate: str = "intermediate",
    reference: str = "reference",
    source: str = "",
    now: datetime | None = None,
) -> Path:
    """Read, decide and write every destination's audiences for the latest as_of."""
    as_of_frame = query(f"select max(as_of_date) as as_of_date from {marts}.segment_offers")
    as_of_value = as_of_frame.iloc[0, 0] if len(as_of_frame) else None
    if as_of_value is None or pd.isna(as_of_value):
        raise ExportError(f"{marts}.segment_offers is empty: nothing to export")
    as_of = pd.Timestamp(as_of_value).date().isoformat()
    results = []
    for destination in config.destinations:
        audiences = query(audiences_sql(destination, reference))["offer_id"].tolist()
        candidates = query(
            candidates_sql(destination, config.ad_platform_consent_purpose, marts, intermediate)
        )
        candidates.columns = [c.lower() for c in candidates.columns]
        reasons = exclusion_reasons(candidates, destination)
        for audience in audiences:
            mine = (candidates["offer_id"] == audience).to_numpy()
            frame = audience_frame(candidates[mine & reasons.isna().to_numpy()], destination)
            check_no_raw_pii(frame, f"{destination.name}/{audience}")
            counts = reasons[mine].value_counts()
            results.append(
                AudienceResult(
                    destination=destination,
                    audience=audience,
                    frame=frame,
                    candidates=int(mine.sum()),
                    excluded={name: int(counts.get(name, 0)) for name in EXCLUSIONS},
                )
            )
    meta = {
        "generated_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "source": source,
        "ad_platform_consent_purpose": config.ad_platform_consent_purpose,
        "email_sha256": (
            "sha256(lower(trim(email))) hex, unsalted "
            "(Google Customer Match, Meta Custom Audiences)"
        ),
    }
    return write_export(out, as_of, results, meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("duckdb", "snowflake"), default="duckdb")
    parser.add_argument("--database", type=Path, help="DuckDB file (target duckdb)")
    parser.add_argument("--out", type=Path, required=True, help="folder of exports")
    parser.add_argument("--destinations", type=Path, default=DEFAULT_DESTINATIONS)
    parser.add_argument("--marts-schema", default="marts")
    parser.add_argument("--intermediate-schema", default="intermediate")
    parser.add_argument("--reference-schema", default="reference")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.destinations)
        if args.target == "duckdb":
            if args.database is None:
                raise ExportError("--target duckdb needs --database <file>")
            query, close = duckdb_reader(args.database)
            source = f"duckdb:{args.database}"
        else:
            query, close = snowflake_reader()
            source = "snowflake:" + (os.environ.get("SNOWFLAKE_DATABASE") or "SEGMENTATION")
        try:
            final = run_export(
                query,
                config,
                args.out,
                marts=args.marts_schema,
                intermediate=args.intermediate_schema,
                reference=args.reference_schema,
                source=source,
            )
        finally:
            close()
    except ExportError as error:
        print(f"segkit.export: {error}", file=sys.stderr)
        return 2
    manifest = json.loads((final / "manifest.json").read_text())
    for destination in manifest["destinations"]:
        for audience in destination["audiences"]:
            print(
                f"{destination['name']:<24} {audience['audience']:<24} "
                f"exported {audience['exported']:>6} of {audience['candidates']:>6}"
            )
    print(f"wrote {final}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
