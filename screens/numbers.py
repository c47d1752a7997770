"""Numbers and spec limits as people write them on the floor: 1000, never 1e+03."""

from __future__ import annotations

import math
import re

from core.verdict import Spec

NO_LIMITS = "no limits"

#: A number in Python's exponent notation ("1e+03", "8.12e-04") inside a sentence.
_EXPONENT = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?e[-+]\d+(?![\w.])")


def plain(value: float, places: int = 6) -> str:
    """``value`` in positional notation with at most ``places`` decimals and no trailing
    zeros: 1000, 0.0125, 155.5, 1234567."""
    if math.isnan(value):
        return "not a number"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def plain_text(text: str) -> str:
    """``text`` with every number in exponent notation written out ("1e+03×" -> "1000×").

    Sentences made in ``core`` format with ``:g``; this is the last stop before an
    operator reads them.
    """
    return _EXPONENT.sub(lambda m: plain(float(m.group())), text)


def limits(spec: Spec) -> str:
    """The limits that exist: "154.5 … 155.5 mm", "≤ 0.8 mm", "≥ 2 Nm", or "no limits"."""
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.lsl is not None and spec.usl is not None:
        return f"{plain(spec.lsl)} … {plain(spec.usl)}{unit}"
    if spec.usl is not None:
        return f"≤ {plain(spec.usl)}{unit}"
    if spec.lsl is not None:
        return f"≥ {plain(spec.lsl)}{unit}"
    return NO_LIMITS
