"""Numbers and colours as a reader sees them: thousands separators, no scientific
notation, percentages for shares and rates, and a text colour that stays legible on
any cell colour (WCAG contrast, not a fixed white)."""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "–"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def column_kind(name: str) -> str:
    """How a mart column is shown, from the house naming conventions
    (share_/_rate are fractions, count_/_count/_size are counts, avg_ are means,
    revenue totals are whole money units, _index values are indices)."""
    if name.startswith("is_"):
        return "flag"
    if name.startswith("share_") or name.endswith(("_share", "_rate")):
        return "percent"
    if name.startswith("count_") or name.endswith(("_count", "_size", "_priority", "_id")):
        return "integer"
    if "order_value" in name or name.startswith(("avg_", "monetary")):
        return "average"
    if "revenue" in name:
        return "money"
    if name.endswith("_index") or name in ("kl_divergence", "chi_square"):
        return "index"
    return "number"


def format_number(value: object, kind: str = "number") -> str:
    """A value for a table cell or label: `1,234`, `36.3%`, `58,032`, `82.78`, `0.125`.
    One kind gives one precision, so a column's numbers line up."""
    if _is_missing(value):
        return MISSING
    if kind == "flag":
        return "yes" if bool(value) else "no"
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if kind == "percent":
        return f"{number * 100:,.1f}%"
    if kind == "integer":
        return f"{number:,.0f}"
    if kind == "money":
        return f"{number:,.0f}"
    if kind in ("average", "index"):
        return f"{number:,.2f}" if kind == "index" or abs(number) >= 1 else f"{number:.3f}"
    if number == 0:
        return "0"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 1:
        return f"{number:,.2f}"
    if abs(number) < 0.001:
        return "<0.001" if number > 0 else ">-0.001"
    return f"{number:.3f}"


def tick_label(value: float) -> str:
    """An axis tick: thousands separators, at most three decimals, trailing zeros dropped."""
    if _is_missing(value):
        return ""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def relative_luminance(rgb: Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with channels in [0, 1]."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: Sequence[float], second: Sequence[float]) -> float:
    """WCAG contrast ratio (1 to 21) of two sRGB colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


BLACK = (0.0, 0.0, 0.0)
WHITE = (1.0, 1.0, 1.0)


def text_colour(background: Sequence[float]) -> tuple[float, float, float]:
    """Black or white, whichever contrasts more with `background` (at least 4.58:1)."""
    return BLACK if contrast_ratio(BLACK, background) >= contrast_ratio(WHITE, background) else WHITE
