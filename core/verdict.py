"""Verdicts: a measured value against its characteristic's spec limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["pass", "fail"]


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
            return f"{value:g} is {ratio:.3g}× the nominal {centre:g} {spec.unit}".rstrip()
    if lsl is not None and usl is not None and usl > lsl:
        band = usl - lsl
        mid = centre if centre is not None else (lsl + usl) / 2
        if abs(value - mid) > factor * band:
            return f"{value:g} is far outside {spec.describe()}"
    return None
