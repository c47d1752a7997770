"""X-bar R and X-bar S charts: subgroup statistics, sigma estimates, limits."""

from __future__ import annotations

import math

import numpy as np

from core.spc.constants import c4, d2, d3
from core.spc.errors import SpcError
from core.spc.series import PartSeries, make_part


def subgroup_means(subgroups: np.ndarray) -> np.ndarray:
    """Mean of each subgroup (row)."""
    return subgroups.mean(axis=1)


def subgroup_ranges(subgroups: np.ndarray) -> np.ndarray:
    """Range (max - min) of each subgroup (row)."""
    return np.ptp(subgroups, axis=1)


def subgroup_stdevs(subgroups: np.ndarray) -> np.ndarray:
    """Sample standard deviation (n - 1 divisor) of each subgroup (row)."""
    return subgroups.std(axis=1, ddof=1)


def _check_spread(mean_spread: float, what: str) -> None:
    if not mean_spread > 0:
        raise SpcError(
            f"every subgroup has zero {what}: the limits would have zero width. "
            "Check the gauge resolution (readings may be rounded to the same value)"
        )


def sigma_from_ranges(subgroups: np.ndarray) -> float:
    """Within-subgroup sigma estimate R-bar / d2(n)."""
    n = int(subgroups.shape[1])
    r_bar = float(subgroup_ranges(subgroups).mean())
    _check_spread(r_bar, "range")
    return r_bar / d2(n)


def sigma_from_stdevs(subgroups: np.ndarray) -> float:
    """Within-subgroup sigma estimate S-bar / c4(n)."""
    n = int(subgroups.shape[1])
    s_bar = float(subgroup_stdevs(subgroups).mean())
    _check_spread(s_bar, "standard deviation")
    return s_bar / c4(n)


def xbar_part(subgroups: np.ndarray, mean: float, sigma: float) -> PartSeries:
    """X-bar part: centre mean, limits mean +/- 3 sigma/sqrt(n) (= A sigma, A2 R-bar)."""
    n = int(subgroups.shape[1])
    return make_part("xbar", subgroup_means(subgroups), mean, sigma / math.sqrt(n), floor=None)


def r_part(subgroups: np.ndarray, sigma: float) -> PartSeries:
    """R part: centre d2 sigma, limits D1 sigma and D2 sigma (= D3 R-bar, D4 R-bar)."""
    n = int(subgroups.shape[1])
    return make_part("r", subgroup_ranges(subgroups), d2(n) * sigma, d3(n) * sigma)


def s_part(subgroups: np.ndarray, sigma: float) -> PartSeries:
    """S part: centre c4 sigma, limits B5 sigma and B6 sigma (= B3 S-bar, B4 S-bar)."""
    n = int(subgroups.shape[1])
    cc4 = c4(n)
    return make_part("s", subgroup_stdevs(subgroups), cc4 * sigma, sigma * math.sqrt(1 - cc4 * cc4))
