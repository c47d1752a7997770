"""Anderson-Darling test for normality (mean and sigma estimated), without scipy.

A*2 = A2 (1 + 0.75/n + 2.25/n^2) and its p-value use the approximations of
D'Agostino & Stephens, "Goodness-of-Fit Techniques" (1986), Table 4.9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from core.spc.errors import SpcError

MIN_POINTS = 8  # the p-value approximation is not meant for smaller samples
ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class NormalityTest:
    """Result of a normality test; normal is False when p < 0.05."""

    method: str
    n: int
    statistic: float
    p_value: float
    normal: bool


def _log_normal_cdf(z: np.ndarray) -> np.ndarray:
    # erfc keeps precision in the far tails where 1 - Phi(z) would round to 0
    return np.log([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z.tolist()])


def ad_p_value(a_star: float) -> float:
    """p-value of the adjusted Anderson-Darling statistic A*2 (case: mean, sigma estimated)."""
    a = min(a_star, 10.0)  # the last polynomial turns back up far beyond any real data
    if a < 0.2:
        p = 1.0 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    elif a < 0.34:
        p = 1.0 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    elif a < 0.6:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    else:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    return min(1.0, max(0.0, p))


def anderson_darling(values: ArrayLike) -> NormalityTest:
    """Anderson-Darling normality test of values (at least 8, not all equal)."""
    x = np.sort(np.asarray(values, dtype=float).ravel())
    n = x.size
    if n < MIN_POINTS:
        raise SpcError(f"a normality test needs at least {MIN_POINTS} measurements, got {n}")
    if not np.isfinite(x).all():
        raise SpcError("a normality test needs finite measurements (no blanks or infinities)")
    sd = float(x.std(ddof=1))
    if not sd > 0:
        raise SpcError("all measurements are equal: normality cannot be judged")
    z = (x - x.mean()) / sd
    log_f = _log_normal_cdf(z)
    log_sf = _log_normal_cdf(-z)  # log(1 - Phi(z))
    i = np.arange(1, n + 1)
    a2 = -n - float(np.mean((2 * i - 1) * (log_f + log_sf[::-1])))
    a_star = a2 * (1.0 + 0.75 / n + 2.25 / (n * n))
    p = ad_p_value(a_star)
    return NormalityTest("anderson-darling", int(n), a_star, p, p >= ALPHA)
