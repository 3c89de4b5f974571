"""The CRM export (customers): one row per person, then its dirt: invalid emails,
impossible ages, second identities of the same person, later versions whose email
differs in case or spacing, late loads, the generic dirt and exact copies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import (
    DAY,
    UTC_Z_SHARE,
    bernoulli_rows,
    categorical,
    ids,
    iso,
    load_time,
    replace_rows,
    stream,
    take,
    timestamps,
    with_columns,
)
from .config import GeneratorConfig
from .dirt import apply_dirt, duplicate_rows, late_column
from .people import COUNTRIES, People
from .schemas import as_table

GENDERS = pa.array(["female", "male", "non_binary", "unknown", "Female", "MALE"])
GENDER_WEIGHTS = np.array([0.44, 0.42, 0.02, 0.04, 0.04, 0.04])
INCOME_BANDS = pa.array(["low", "medium", "high", "very_high"])
INCOME_WEIGHTS = np.array([0.25, 0.40, 0.25, 0.10])
TIERS = pa.array(["bronze", "silver", "gold"])
TIER_WEIGHTS = np.array([0.6, 0.3, 0.1])
BAD_EMAIL_FORMS = 4


def customer_columns(config: GeneratorConfig, people: People) -> dict[str, pa.Array]:
    """The CRM export: one clean row per person."""
    rng = stream(config.seed, 2)
    n, end = people.size, config.end
    age = np.clip(rng.normal(40, 13, n), 16, 90)
    birth_days = ((end - age * 365.25 * DAY) // DAY).astype("int32")
    has_birth = rng.random(n) < 0.75
    has_age = ~has_birth & (rng.random(n) < 0.8)
    loyal = rng.random(n) < 0.3
    updated = people.signup + ((end - 3 * 3600 - people.signup) * rng.random(n) ** 3).astype(
        "int64"
    )
    country = take(COUNTRIES, people.country_index)
    messy_country = rng.random(n) < 0.1
    number = pc.cast(pa.array(rng.integers(1, 30, n)), pa.string())
    return {
        "customer_id": people.customer_id,
        "email": pc.if_else(
            pa.array(rng.random(n) < 0.02), pa.scalar(None, pa.string()), people.email
        ),
        "phone": people.phone,
        "first_name": people.first_name,
        "last_name": people.last_name,
        "birth_date": pa.array(birth_days, pa.date32(), mask=~has_birth),
        "age": pa.array(age.astype("int32"), pa.int32(), mask=~has_age),
        "gender": take(GENDERS, categorical(rng, n, GENDER_WEIGHTS)),
        "income_band": pc.if_else(
            pa.array(rng.random(n) < 0.1),
            pa.scalar(None, pa.string()),
            take(INCOME_BANDS, categorical(rng, n, INCOME_WEIGHTS)),
        ),
        "country_code": pc.if_else(
            pa.array(messy_country),
            pc.binary_join_element_wise(" ", pc.utf8_lower(country), ""),
            country,
        ),
        "region": pc.binary_join_element_wise(country, "-R", number, ""),
        "city": pc.binary_join_element_wise(country, " City ", number, ""),
        "signup_at": iso(people.signup, people.offset, rng.random(n) < UTC_Z_SHARE),
        "is_loyalty_member": pa.array(loyal),
        "loyalty_tier": pa.array(
            take(TIERS, categorical(rng, n, TIER_WEIGHTS)).to_numpy(zero_copy_only=False),
            pa.string(),
            mask=~loyal,
        ),
        "updated_at": timestamps(updated),
        "_loaded_at": timestamps(load_time(updated, rng, end)),
    }


def email_variant(email: pa.Array, rng: np.random.Generator) -> pa.Array:
    """The same address that a different system wrote: upper case or padded. Always
    differs from the original, equal after lower(trim())."""
    padded = pc.binary_join_element_wise("  ", email, " ", "")
    return pc.if_else(pa.array(rng.random(len(email)) < 0.5), pc.utf8_upper(email), padded)


def bad_emails(first: pa.Array, last: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Unusable addresses as typed into forms: 'jane.doe@', 'jane.doe.example.com',
    'jane doe@example.com', 'jane.doe@@example.com'."""
    f, l = pc.utf8_lower(first), pc.utf8_lower(last)
    forms = [
        pc.binary_join_element_wise(f, ".", l, "@", ""),
        pc.binary_join_element_wise(f, ".", l, ".example.com", ""),
        pc.binary_join_element_wise(f, " ", l, "@example.com", ""),
        pc.binary_join_element_wise(f, ".", l, "@@example.com", ""),
    ]
    return pc.choose(pa.array(rng.integers(0, BAD_EMAIL_FORMS, len(first)).astype("int8")), *forms)


def customer_dirt(
    config: GeneratorConfig, people: People, columns: dict[str, pa.Array]
) -> tuple[pa.Table, dict[str, int], dict[str, object]]:
    """Dirty the CRM export. Returns the table, per-kind counts, and the second
    identities (multi_identifier_persons) whose orders the caller generates."""
    rng, rates, end, n = stream(config.seed, 10), config.dirt, config.end, people.size
    counts: dict[str, int] = {}
    columns = dict(columns)

    rows = bernoulli_rows(rng, n, rates.invalid_emails)
    columns["email"] = replace_rows(
        columns["email"],
        rows,
        bad_emails(take(people.first_name, rows), take(people.last_name, rows), rng),
    )
    counts["invalid_emails"] = len(rows)

    rows = bernoulli_rows(rng, n, rates.impossible_ages)
    has_birth = np.asarray(columns["birth_date"].is_valid())[rows]
    too_old = rng.random(len(rows)) < 0.5
    bad_birth = np.where(
        too_old,
        np.datetime64("1890-01-01", "D").astype("int64") - rng.integers(0, 3000, len(rows)),
        end // DAY + rng.integers(30, 2000, len(rows)),
    )
    columns["birth_date"] = replace_rows(
        columns["birth_date"],
        rows[has_birth],
        pa.array(bad_birth[has_birth].astype("int32"), pa.date32()),
    )
    bad_age = np.where(too_old, rng.integers(121, 200, len(rows)), -rng.integers(1, 10, len(rows)))
    columns["age"] = replace_rows(
        columns["age"], rows[~has_birth], pa.array(bad_age[~has_birth].astype("int32"))
    )
    counts["impossible_ages"] = len(rows)
    table = as_table("customers", columns)

    # the same person under a second CRM id: same email (as another system wrote it)
    # or, with a different email, the same phone; signed up later, with their own orders
    persons = bernoulli_rows(rng, n, rates.multi_identifier_persons)
    second_id = ids("C", n + np.arange(len(persons)))
    share_email = rng.random(len(persons)) < 0.6
    other_email = pc.binary_join_element_wise(
        pc.utf8_lower(take(people.first_name, persons)),
        "_",
        pc.cast(pa.array(persons), pa.string()),
        "@alt.example.com",
        "",
    )
    signup = people.signup[persons] + (
        (end - people.signup[persons]) * rng.random(len(persons)) * 0.5
    ).astype("int64")
    extra = table.take(pa.array(persons))
    extra = with_columns(
        extra,
        {
            "customer_id": second_id,
            "email": pc.if_else(
                pa.array(share_email),
                email_variant(take(people.email, persons), rng),
                other_email,
            ),
            "phone": pc.if_else(
                pa.array(share_email), pa.scalar(None, pa.string()), take(people.phone, persons)
            ),
            "signup_at": iso(signup, people.offset[persons], np.zeros(len(persons), bool)),
            "updated_at": timestamps(signup + 3600),
            "_loaded_at": timestamps(signup + 7200),
        },
    )
    counts["multi_identifier_persons"] = len(persons)

    rows = bernoulli_rows(rng, n, rates.near_duplicate_emails)
    newer = np.minimum(people.signup[rows] + rng.integers(400, 800, len(rows)) * DAY, end - 3600)
    versions = with_columns(
        table.take(pa.array(rows)),
        {
            "email": email_variant(take(people.email, rows), rng),
            "updated_at": timestamps(newer),
            "_loaded_at": timestamps(newer + 900),
        },
    )
    counts["near_duplicate_emails"] = len(rows)

    table = pa.concat_tables([table, extra, versions]).combine_chunks()
    table, counts["late_arriving"] = late_column(table, "updated_at", rng, rates.late_arriving, end)
    table, generic = apply_dirt("customers", table, config)
    counts.update(generic)
    table, counts["exact_duplicates"] = duplicate_rows(table, rng, rates.exact_duplicates)
    second = {"persons": persons, "customer_id": second_id, "signup": signup}
    return table, counts, second
