"""Process capability: Cp, Cpk (within-subgroup sigma) and Pp, Ppk (overall sigma).

Cp  = (USL - LSL) / 6 sigma_within    Cpk = min(Cpu, Cpl)
Cpu = (USL - mean) / 3 sigma_within   Cpl = (mean - LSL) / 3 sigma_within
Pp, Ppu, Ppl, Ppk: the same with sigma_overall = sample std (n - 1) of all values.
With one specification limit only the one-sided index exists: Cp and Pp are None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from core.spc import individuals, xbar
from core.spc.errors import SpcError
from core.spc.normality import MIN_POINTS, NormalityTest, anderson_darling

WithinMethod = Literal["rbar", "sbar", "mrbar"]
WITHIN_METHODS: tuple[WithinMethod, ...] = get_args(WithinMethod)


@dataclass(frozen=True, slots=True)
class Capability:
    """Capability indices of a characteristic against its specification limits."""

    n: int
    mean: float
    lsl: float | None
    usl: float | None
    within_method: str
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpl: float | None
    cpu: float | None
    cpk: float
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float
    normality: NormalityTest | None
    notes: tuple[str, ...]


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None, float | None, float]:
    lower = None if lsl is None else (mean - lsl) / (3 * sigma)
    upper = None if usl is None else (usl - mean) / (3 * sigma)
    both = None if lsl is None or usl is None else (usl - lsl) / (6 * sigma)
    k = min(v for v in (lower, upper) if v is not None)
    return both, lower, upper, k


def within_sigma(measurements: np.ndarray, method: WithinMethod) -> float:
    """Within-subgroup sigma: R-bar/d2, S-bar/c4 (subgroups) or MR-bar/d2 (individuals)."""
    if method not in WITHIN_METHODS:
        raise SpcError(f"unknown within-sigma method {method!r}: use {', '.join(WITHIN_METHODS)}")
    if method == "mrbar":
        return individuals.sigma_from_moving_ranges(measurements.ravel())
    if measurements.ndim != 2 or measurements.shape[1] < 2:
        raise SpcError(f"the {method} method needs subgroups of at least 2 measurements")
    if method == "rbar":
        return xbar.sigma_from_ranges(measurements)
    return xbar.sigma_from_stdevs(measurements)


def capability(
    measurements: ArrayLike,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    within: WithinMethod | None = None,
    sigma_within: float | None = None,
) -> Capability:
    """Capability of measurements (subgroup rows, or a flat series) against LSL/USL.

    within defaults to "rbar" for subgroups and "mrbar" for a flat series;
    sigma_within (e.g. from frozen limits) overrides the estimate. Adds a note
    when the data do not look normal (Anderson-Darling p < 0.05).
    """
    try:
        data = np.array(measurements, dtype=float)
    except (TypeError, ValueError):
        raise SpcError("capability needs numeric measurements in equal subgroups") from None
    if data.size == 0:
        raise SpcError("no measurements for a capability study")
    if not np.isfinite(data).all():
        raise SpcError("measurements contain blanks or infinities: correct them first")
    if lsl is None and usl is None:
        raise SpcError("capability needs at least one specification limit (LSL or USL)")
    for name, limit in (("LSL", lsl), ("USL", usl)):
        if limit is not None and not math.isfinite(limit):
            raise SpcError(f"{name} must be a finite number")
    if lsl is not None and usl is not None and not lsl < usl:
        raise SpcError(f"LSL ({lsl:g}) must be below USL ({usl:g})")
    values = data.ravel()
    if values.size < 2:
        raise SpcError("capability needs at least 2 measurements")
    overall = float(values.std(ddof=1))
    if not overall > 0:
        raise SpcError(
            "every measurement is the same: capability cannot be judged "
            "(check the gauge resolution)"
        )
    if sigma_within is not None:
        if not math.isfinite(sigma_within) or sigma_within <= 0:
            raise SpcError("within-subgroup sigma must be a positive number")
        method, sw = "given", float(sigma_within)
    else:
        method = within or ("rbar" if data.ndim == 2 and data.shape[1] > 1 else "mrbar")
        sw = within_sigma(data, method)  # type: ignore[arg-type]
    mean = float(values.mean())
    cp, cpl, cpu, cpk = _indices(mean, sw, lsl, usl)
    pp, ppl, ppu, ppk = _indices(mean, overall, lsl, usl)
    notes: list[str] = []
    normality = None
    if values.size >= MIN_POINTS:
        normality = anderson_darling(values)
        if not normality.normal:
            notes.append(
                f"the data do not look normal (Anderson-Darling A*={normality.statistic:.3g}, "
                f"p={normality.p_value:.2g}): the indices assume a normal distribution and "
                "may misstate the fraction outside specification"
            )
    else:
        notes.append(f"fewer than {MIN_POINTS} measurements: normality not checked")
    if values.size < 30:
        notes.append(f"only {values.size} measurements: the indices are rough estimates")
    return Capability(
        n=int(values.size), mean=mean, lsl=lsl, usl=usl, within_method=method,
        sigma_within=sw, sigma_overall=overall,
        cp=cp, cpl=cpl, cpu=cpu, cpk=cpk, pp=pp, ppl=ppl, ppu=ppu, ppk=ppk,
        normality=normality, notes=tuple(notes),
    )  # fmt: skip
