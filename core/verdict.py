"""Verdicts: a measured value against its characteristic's spec limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Verdict = Literal["pass", "fail"]

NO_LIMITS = "no limits"


@dataclass(frozen=True, slots=True)
class Spec:
    """Spec limits of a characteristic; either limit may be missing (one-sided)."""

    nominal: float | None
    lsl: float | None
    usl: float | None
    unit: str = ""

    def describe(self) -> str:
        lo = "-∞" if self.lsl is None else f"{self.lsl:g}"
        hi = "+∞" if self.usl is None else f"{self.usl:g}"
        return f"{lo} … {hi} {self.unit}".rstrip()


def plain(value: float, places: int = 6) -> str:
    """``value`` in positional notation with at most ``places`` decimals and no trailing
    zeros: 1000, 0.0125, 155.5, 1234567."""
    if math.isnan(value):
        return "not a number"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


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


def times(ratio: float) -> str:
    """A positive ratio as people say it, without the "×": 1000, 12.5, 0.001, 0.000123.

    Three significant figures, whole numbers from 100 up (1235, not 1.23e+03 or 1230).
    """
    if ratio >= 100:
        return f"{ratio:.0f}"
    return format(Decimal(f"{ratio:.3g}"), "f")


def verdict(value: float, spec: Spec) -> Verdict:
    """Pass when the value lies within the limits, both ends included."""
    if not math.isfinite(value):
        return "fail"
    if spec.lsl is not None and value < spec.lsl:
        return "fail"
    if spec.usl is not None and value > spec.usl:
        return "fail"
    return "pass"


def plausibility_problem(value: float, spec: Spec, factor: float = 10.0) -> str | None:
    """Say why ``value`` looks like a typo (slipped decimal, wrong unit), or None.

    A value is implausible when it lies further from the nominal than ``factor``
    times the tolerance band, or differs from a non-zero nominal by a factor of
    ten or more. Such a value is not refused: the operator must confirm it.
    """
    if not math.isfinite(value):
        return "value is not a finite number"
    lsl, usl = spec.lsl, spec.usl
    centre = spec.nominal
    if centre is None and lsl is not None and usl is not None:
        centre = (lsl + usl) / 2
    if centre is not None and centre != 0 and value != 0:
        ratio = abs(value / centre)
        if ratio >= 10 or ratio <= 0.1:
            said = f"{plain(value)} is {times(ratio)}× the nominal {plain(centre)} {spec.unit}"
            return said.rstrip()
    if lsl is not None and usl is not None and usl > lsl:
        band = usl - lsl
        mid = centre if centre is not None else (lsl + usl) / 2
        if abs(value - mid) > factor * band:
            return f"{plain(value)} is far outside {limits(spec)}"
    return None
