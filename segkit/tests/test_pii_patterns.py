"""The PII patterns of macros/staging/models_downstream_of_staging.sql against the
constant that lets redaction and the scans skip short text (pii_phone_min_length):
the constant must be the shortest match of both phone patterns, derived here from
the patterns themselves, so a new alternative cannot silently fall below it."""

from __future__ import annotations

import re
import re._parser as regex_parser  # the parser of the re module: minimum width of a pattern
from pathlib import Path

import pytest

MACROS = Path(__file__).resolve().parents[2] / "macros" / "staging" / "models_downstream_of_staging.sql"


def macro_return(name: str) -> str:
    """The literal a one-line macro of the file returns (`return("...")` or `return(9)`)."""
    text = MACROS.read_text()
    body = re.search(r"{% macro " + name + r"\(\) -%}(.*?){%- endmacro %}", text, re.S)
    assert body, f"macro {name} not found in {MACROS}"
    returned = re.search(r"return\((.*)\)", body.group(1))
    assert returned, f"macro {name} returns no literal"
    return returned.group(1)


def phone_pattern() -> str:
    return macro_return("pii_phone_pattern").strip('"')


def token_pattern() -> str:
    # return("(^|[^0-9A-Za-z])(" ~ segmentation.pii_phone_pattern() ~ ")([^0-9A-Za-z]|$)")
    parts = [part.strip().strip('"') for part in macro_return("pii_phone_token_pattern").split("~")]
    assert parts[1] == "segmentation.pii_phone_pattern()", parts
    return parts[0] + phone_pattern() + parts[2]


def min_length() -> int:
    return int(macro_return("pii_phone_min_length"))


@pytest.mark.parametrize("pattern", [phone_pattern, token_pattern], ids=["bare", "token"])
def test_min_length_is_the_shortest_match_of_the_phone_patterns(pattern) -> None:
    shortest, _ = regex_parser.parse(pattern()).getwidth()
    assert shortest == min_length()


@pytest.mark.parametrize("text", ["+12345678", "12-345678", "12.345678"])
def test_phone_shapes_of_exactly_the_min_length_match_and_one_less_cannot(text) -> None:
    assert len(text) == min_length()
    assert re.search(token_pattern(), text)
    assert not re.search(phone_pattern(), text[:-1])
