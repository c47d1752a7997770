"""Type 1 gauge study (Bosch booklet 10 / VDA 5 convention): one part, one appraiser.

A reference part of known value xm is measured n times (25 at least, 50
preferred). With tolerance T, K percent of the tolerance (20) and L standard
deviations of spread (6):

    Cg  = (K/100 T) / (L s)
    Cgk = (K/200 T - |x-bar - xm|) / (L/2 s)

The gauge is capable when Cg and Cgk are both at least 1.33. The bias
x-bar - xm is tested against 0 with t = bias / (s / sqrt(n)), n - 1 degrees
of freedom. %Var(repeatability) = K / Cg and %Var(repeatability and bias) =
K / Cgk, as Minitab reports them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from core.msa.constants import (
    BIAS_ALPHA,
    TYPE1_MIN_INDEX,
    TYPE1_PERCENT_OF_TOLERANCE,
    TYPE1_RECOMMENDED_N,
    TYPE1_SPREAD,
)
from core.msa.distributions import t_two_sided_p
from core.msa.errors import MsaError


@dataclass(frozen=True, slots=True)
class Type1Result:
    """Capability of a gauge on one reference part."""

    n: int
    mean: float
    std: float
    reference: float
    tolerance: float
    percent_of_tolerance: float
    spread: float
    bias: float
    t_statistic: float
    p_value: float
    alpha: float
    bias_significant: bool
    cg: float
    cgk: float
    pct_var_repeatability: float
    pct_var_repeatability_bias: float | None  # None when Cgk <= 0 (bias eats the band)
    min_index: float
    capable: bool
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for storing or printing the result."""
        return asdict(self)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise MsaError(f"{what} must be a number, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise MsaError(f"{what} must be a finite number, got {number}")
    return number


def _positive(value: object, what: str) -> float:
    number = _number(value, what)
    if number <= 0:
        raise MsaError(f"{what} must be positive, got {number:g}")
    return number


def type1_study(
    measurements: ArrayLike,
    *,
    reference: float,
    tolerance: float,
    percent_of_tolerance: float = TYPE1_PERCENT_OF_TOLERANCE,
    spread: float = TYPE1_SPREAD,
    min_index: float = TYPE1_MIN_INDEX,
    alpha: float = BIAS_ALPHA,
) -> Type1Result:
    """Cg, Cgk and the bias t-test of repeated measurements of one reference part.

    percent_of_tolerance is K (20) and spread is L (6) of the Bosch/VDA 5
    formulas; min_index (1.33) is the acceptance limit for both Cg and Cgk;
    alpha (0.05) the significance level of the bias test. Raises MsaError for
    fewer than 2 measurements, non-finite values (naming the measurement),
    identical measurements and invalid settings.
    """
    reference = _number(reference, "the reference value")
    tolerance = _positive(tolerance, "the tolerance (USL - LSL)")
    percent_of_tolerance = _positive(percent_of_tolerance, "K, the percent of the tolerance,")
    if percent_of_tolerance > 100:
        raise MsaError(
            f"K, the percent of the tolerance, is at most 100, got {percent_of_tolerance:g}"
        )
    spread = _positive(spread, "L, the number of standard deviations,")
    min_index = _positive(min_index, "the minimum Cg/Cgk")
    alpha = _number(alpha, "alpha")
    if not 0 < alpha < 1:
        raise MsaError(f"alpha for the bias test must be between 0 and 1, got {alpha:g}")
    try:
        values = np.asarray(measurements, dtype=float)
    except (TypeError, ValueError):
        raise MsaError("a type 1 study needs numeric measurements") from None
    if values.ndim != 1:
        raise MsaError("a type 1 study takes one series of measurements of the reference part")
    if values.size < 2:
        raise MsaError(
            f"a type 1 study needs repeated measurements of the reference part "
            f"(at least {TYPE1_RECOMMENDED_N}, preferably 50); got {values.size}"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise MsaError(
            f"measurement {int(bad[0]) + 1} is not a finite number ({values[bad[0]]}): "
            "correct or re-measure it"
        )
    n = int(values.size)
    mean = float(values.mean())
    std = float(values.std(ddof=1))
    if not std > 0:
        raise MsaError(
            f"all {n} measurements are the same ({values[0]:g}): repeatability cannot be "
            "estimated; the gauge resolution is too coarse for this study"
        )
    bias = mean - reference
    band = percent_of_tolerance / 100.0 * tolerance
    cg = band / (spread * std)
    cgk = (band / 2.0 - abs(bias)) / (spread / 2.0 * std)
    t = bias / (std / math.sqrt(n))
    p_value = t_two_sided_p(t, n - 1)
    capable = cg >= min_index and cgk >= min_index
    notes: list[str] = []
    if n < TYPE1_RECOMMENDED_N:
        notes.append(
            f"only {n} measurements: Bosch booklet 10 and VDA 5 ask for at least "
            f"{TYPE1_RECOMMENDED_N}, preferably 50"
        )
    if p_value < alpha:
        notes.append(
            f"the bias {bias:.6g} is significant (p = {p_value:.3g} < {alpha:g}): "
            "adjust or recalibrate the gauge against the reference"
        )
    return Type1Result(
        n=n, mean=mean, std=std, reference=reference, tolerance=tolerance,
        percent_of_tolerance=percent_of_tolerance, spread=spread,
        bias=bias, t_statistic=t, p_value=p_value, alpha=alpha,
        bias_significant=p_value < alpha,
        cg=cg, cgk=cgk,
        pct_var_repeatability=percent_of_tolerance / cg,
        pct_var_repeatability_bias=percent_of_tolerance / cgk if cgk > 0 else None,
        min_index=min_index, capable=capable, notes=tuple(notes),
    )  # fmt: skip
