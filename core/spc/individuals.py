"""Individuals and moving range (I-MR) chart."""

from __future__ import annotations

import numpy as np

from core.spc.constants import d2, d3
from core.spc.errors import SpcError
from core.spc.series import PartSeries, make_part


def moving_ranges(values: np.ndarray) -> np.ndarray:
    """|x[i] - x[i-1]| for i >= 1 (one shorter than values)."""
    return np.abs(np.diff(values))


def sigma_from_moving_ranges(values: np.ndarray) -> float:
    """Short-term sigma estimate MR-bar / d2(2) = MR-bar / 1.128."""
    mr_bar = float(moving_ranges(values).mean())
    if not mr_bar > 0:
        raise SpcError(
            "every measurement is the same: the moving range is zero and the limits would "
            "have zero width. Check the gauge resolution"
        )
    return mr_bar / d2(2)


def i_part(values: np.ndarray, mean: float, sigma: float) -> PartSeries:
    """Individuals part: centre mean, limits mean +/- 3 sigma (= E2 MR-bar)."""
    return make_part("i", values, mean, sigma, floor=None)


def mr_part(values: np.ndarray, sigma: float) -> PartSeries:
    """Moving range part: centre d2(2) sigma, UCL D2(2) sigma (= D4 MR-bar), LCL 0.

    Point 0 has no moving range; its value is NaN so indices match the I part.
    """
    mr = np.concatenate(([np.nan], moving_ranges(values)))
    return make_part("mr", mr, d2(2) * sigma, d3(2) * sigma)
