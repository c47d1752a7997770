"""One plotted statistic of a chart with its centre line and limits per point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.spc.data import PartName

SIGMA_LIMITS = 3.0  # Shewhart three-sigma limits throughout


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: numpy arrays have no single truth value
class PartSeries:
    """Values of one chart part (e.g. "xbar" or "r") and the limits at each point.

    sigma is the standard deviation of the plotted statistic at each point;
    it sets the 1- and 2-sigma zones the run rules use. lcl/ucl are clipped
    to what the statistic can reach (no negative ranges or proportions).
    All arrays have one entry per point; values may be NaN where a statistic
    is undefined (the first moving range).
    """

    part: PartName
    values: np.ndarray
    center: float
    sigma: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray

    @property
    def z(self) -> np.ndarray:
        """Distance of each value from the centre line in sigmas."""
        return standardize(self.values, self.center, self.sigma)

    @property
    def limits_vary(self) -> bool:
        """True when the limits differ between points (p, u with unequal sizes)."""
        return bool(np.ptp(self.lcl) > 0 or np.ptp(self.ucl) > 0) if self.lcl.size else False

    def beyond_limits(self) -> np.ndarray:
        """Indices of points above the UCL or below the LCL."""
        return np.flatnonzero((self.values > self.ucl) | (self.values < self.lcl))


def standardize(values: np.ndarray, center: float, sigma: np.ndarray | float) -> np.ndarray:
    """(values - center) / sigma; the one formula batch and streaming rules share."""
    return (values - center) / sigma


def make_part(
    part: PartName,
    values: np.ndarray,
    center: float,
    sigma: np.ndarray | float,
    *,
    floor: float | None = 0.0,
    ceiling: float | None = None,
) -> PartSeries:
    """Build a PartSeries with centre +/- 3 sigma limits clipped to [floor, ceiling].

    The R and S limits fit this form too: D1 sigma = d2 sigma - 3 d3 sigma, and
    B5 sigma = c4 sigma - 3 sigma sqrt(1 - c4^2), each floored at 0.
    """
    m = values.shape[0]
    sig = np.broadcast_to(np.asarray(sigma, dtype=float), (m,)).copy()
    low = center - SIGMA_LIMITS * sig
    high = center + SIGMA_LIMITS * sig
    if floor is not None:
        np.maximum(low, floor, out=low)
    if ceiling is not None:
        np.minimum(high, ceiling, out=high)
    vals = np.array(values, dtype=float)
    for a in (vals, sig, low, high):
        a.setflags(write=False)
    return PartSeries(part=part, values=vals, center=float(center), sigma=sig, lcl=low, ucl=high)
