"""The holdout rule of segment_offers, in Python: the generator plants its true effect
by arm with it, and the tests check it equals the SQL (macros/analysis/hash_bucket.sql,
``hash_unit_interval``) on the same ids.

A customer is in the holdout of an offer when
``hash_unit_interval(salt || '|' || offer_id || '|' || customer_id) < holdout_share``:
the first 8 hex digits of the MD5 of that text, as an unsigned 32-bit integer / 2^32.
It depends only on the customer, the offer and the salt (var holdout_salt), so the
arm is the same every night and at every as_of for as long as the offer runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

# dbt_project.yml: var holdout_salt and var holdout_share
DEFAULT_HOLDOUT_SALT = "segment-holdouts-v1"
DEFAULT_HOLDOUT_SHARE = 0.1


def hash_unit_interval(text: str) -> float:
    """A number in [0, 1): the first 8 hex digits of md5(text) / 2^32."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16) / 2**32


def holdout_units(
    customer_ids: Iterable[str], offer_id: str, salt: str = DEFAULT_HOLDOUT_SALT
) -> np.ndarray:
    """hash_unit_interval of every customer's (salt, offer, customer) text. MD5 has no
    vectorised numpy form; one hash per customer id is fast enough for generated data."""
    return np.array(
        [hash_unit_interval(f"{salt}|{offer_id}|{customer_id}") for customer_id in customer_ids],
        dtype="float64",
    )


def is_holdout(
    customer_ids: Iterable[str],
    offer_id: str,
    share: float = DEFAULT_HOLDOUT_SHARE,
    salt: str = DEFAULT_HOLDOUT_SALT,
) -> np.ndarray:
    """True for the customers segment_offers holds out of ``offer_id``."""
    return holdout_units(customer_ids, offer_id, salt) < share
