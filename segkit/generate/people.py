"""The population: one clean record per person plus the hidden traits (sign-up, churn,
spend level, activity, email consent) every source draws its rows from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .common import (
    CONSENT_GRANT_RATES,
    CONSENT_REVOKE_RATE,
    DAY,
    NEVER,
    Calendar,
    categorical,
    ids,
    stream,
    take,
)
from .config import GeneratorConfig

# Countries with their share, two candidate home offsets (minutes), currency, calling code.
COUNTRIES = pa.array(["US", "GB", "DE", "FR", "ES", "CA", "IN", "JP"])
COUNTRY_WEIGHTS = np.array([0.40, 0.15, 0.10, 0.09, 0.05, 0.07, 0.07, 0.07])
COUNTRY_OFFSETS = np.array(
    [(-300, -480), (0, 0), (60, 120), (60, 120), (60, 120), (-300, -300), (330, 330), (540, 540)]
)
COUNTRY_CURRENCY = np.array([0, 2, 1, 1, 1, 0, 0, 0])  # index into orders.CURRENCIES
COUNTRY_CALLING_CODE = pa.array(["1", "44", "49", "33", "34", "1", "91", "81"])
COUNTRY_NANP = np.array([True, False, False, False, False, True, False, False])

FIRST_NAMES = pa.array(
    [
        "Ana",
        "Ben",
        "Chloe",
        "David",
        "Emma",
        "Farid",
        "Grace",
        "Hiro",
        "Ines",
        "Jack",
        "Kofi",
        "Lena",
        "Mateo",
        "Nora",
        "Omar",
        "Priya",
        "Quinn",
        "Rosa",
        "Sam",
        "Tara",
        "Uma",
        "Victor",
        "Wen",
        "Yusuf",
    ]
)
LAST_NAMES = pa.array(
    [
        "Smith",
        "Garcia",
        "Muller",
        "Martin",
        "Khan",
        "Tanaka",
        "Brown",
        "Rossi",
        "Silva",
        "Nguyen",
        "Patel",
        "Cohen",
        "Lopez",
        "Wilson",
        "Sato",
        "Dubois",
    ]
)
DOMAINS = pa.array(["example.com", "mail.example.org", "inbox.example.net", "example.co.uk"])

PHONE_FIRST = 2_000_000_000
PHONE_SPAN = 7_999_999_999  # ten-digit numbers from PHONE_FIRST on
PHONE_STRIDE = 4_294_967_291  # a prime, so i -> i * stride mod span is one-to-one


@dataclass
class People:
    """One clean record per person plus the hidden traits their activity is drawn from."""

    customer_id: pa.Array
    email: pa.Array
    phone: pa.Array
    first_name: pa.Array
    last_name: pa.Array
    country_index: np.ndarray
    offset: np.ndarray
    signup: np.ndarray
    churn: np.ndarray
    buyer: np.ndarray
    spend_level: np.ndarray
    activity: np.ndarray
    email_consent_from: np.ndarray  # marketing_email granted at (or NEVER)
    email_consent_until: np.ndarray  # revoked at (or NEVER)

    @property
    def size(self) -> int:
        return len(self.signup)


def unique_phone_digits(rng: np.random.Generator, n: int) -> np.ndarray:
    """n different ten-digit numbers that look random: a seeded affine permutation of
    the range, not independent draws, which at a million people share a number by
    chance and so merge strangers in identity resolution (only the injected
    multi-identifier dirt should share a phone)."""
    if n >= 2**31:  # keeps index * stride + offset inside int64
        raise ValueError(f"at most {2**31 - 1:,} people")
    offset = int(rng.integers(0, PHONE_SPAN))
    index = np.arange(n, dtype=np.int64)
    return PHONE_FIRST + (index * PHONE_STRIDE + offset) % PHONE_SPAN


def phones(rng: np.random.Generator, country_index: np.ndarray) -> pa.Array:
    """Free-format phone numbers: '+44 207 946 0958', '(555) 123-4567', '+4420794609'."""
    n = len(country_index)
    digits = pc.cast(pa.array(unique_phone_digits(rng, n)), pa.string())
    a, b, c = (pc.utf8_slice_codeunits(digits, lo, hi) for lo, hi in ((0, 3), (3, 6), (6, 10)))
    code = take(COUNTRY_CALLING_CODE, country_index)
    spaced = pc.binary_join_element_wise("+", code, " ", a, " ", b, " ", c, "")
    us = pc.binary_join_element_wise("(", a, ") ", b, "-", c, "")
    compact = pc.binary_join_element_wise("+", code, digits, "")
    style = rng.integers(0, 3, n)
    style = np.where((style == 1) & ~COUNTRY_NANP[country_index], 0, style)  # '(555) …' only for +1
    phone = pc.choose(pa.array(style.astype("int8")), spaced, us, compact)
    return pc.if_else(pa.array(rng.random(n) < 0.15), pa.scalar(None, pa.string()), phone)


def draw_people(config: GeneratorConfig, calendar: Calendar) -> People:
    """Draw the population: who they are, when they joined and left, how much they buy."""
    rng = stream(config.seed, 1)
    n, start, end = config.customers, config.start, config.end
    number = np.arange(n)
    country = categorical(rng, n, COUNTRY_WEIGHTS)
    offset = COUNTRY_OFFSETS[country, (rng.random(n) < 0.4).astype("int64")]
    # the customer base grows: more recent sign-ups than old ones
    signup = calendar.draw(
        np.full(n, start), np.full(n, end - 7 * DAY), offset, rng.random(n) ** 0.7, rng
    )
    churn = np.minimum(signup + rng.exponential(700.0, n) * DAY, end).astype("int64")
    first = take(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n))
    last = take(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n))
    local_part = pc.binary_join_element_wise(
        pc.utf8_lower(first), ".", pc.utf8_lower(last), pc.cast(pa.array(number), pa.string()), ""
    )
    email = pc.binary_join_element_wise(
        local_part, "@", take(DOMAINS, rng.integers(0, len(DOMAINS), n)), ""
    )
    email = pc.if_else(pa.array(rng.random(n) < 0.05), pc.utf8_capitalize(email), email)
    grant = rng.random(n) < CONSENT_GRANT_RATES[0]
    granted_at = np.where(grant, signup + rng.integers(0, 600, n), NEVER)
    revoke = grant & (rng.random(n) < CONSENT_REVOKE_RATE)
    revoked_at = np.where(
        revoke,
        granted_at + ((end - granted_at) * rng.random(n)).astype("int64"),
        NEVER,
    )
    return People(
        customer_id=ids("C", number),
        email=email,
        phone=phones(rng, country),
        first_name=first,
        last_name=last,
        country_index=country,
        offset=offset,
        signup=signup,
        churn=churn,
        buyer=rng.random(n) < 0.75,
        spend_level=rng.lognormal(0.0, 0.5, n) * np.where(rng.random(n) < 0.005, 10.0, 1.0),
        activity=rng.gamma(0.8, 1 / 0.8, n),
        email_consent_from=granted_at,
        email_consent_until=revoked_at,
    )
