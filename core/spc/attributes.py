"""Attribute charts: p, np (nonconforming units) and c, u (nonconformities)."""

from __future__ import annotations

import numpy as np

from core.spc.errors import SpcError
from core.spc.series import PartSeries, make_part


def process_level(chart: str, counts: np.ndarray, sizes: np.ndarray | None) -> float:
    """Baseline centre: p-bar = sum(d)/sum(n) for p and np, c-bar for c, u-bar for u.

    Raises SpcError when the level leaves no variation to chart (no defects at
    all, or every unit nonconforming).
    """
    total = float(counts.sum())
    if chart == "c":
        level = total / counts.size
    else:
        assert sizes is not None
        level = total / float(sizes.sum())
    if level <= 0:
        raise SpcError(
            "the baseline has no nonconformities at all: limits would have zero width. "
            "Collect more samples or enter a standard value"
        )
    if chart in ("p", "np") and level >= 1:
        raise SpcError("every unit in the baseline is nonconforming: limits cannot be computed")
    return level


def check_level(chart: str, level: float) -> None:
    """Raise SpcError if a standard p, c or u value cannot give limits."""
    if not np.isfinite(level) or level <= 0:
        raise SpcError(f"the standard value for a {chart} chart must be above 0, got {level}")
    if chart in ("p", "np") and level >= 1:
        raise SpcError(f"a standard fraction nonconforming must be below 1, got {level}")


def p_part(counts: np.ndarray, sizes: np.ndarray, p: float) -> PartSeries:
    """Fraction nonconforming d/n; limits p +/- 3 sqrt(p(1-p)/n) per point."""
    return make_part("p", counts / sizes, p, np.sqrt(p * (1 - p) / sizes), ceiling=1.0)


def np_part(counts: np.ndarray, size: int, p: float) -> PartSeries:
    """Number nonconforming d; centre n p, limits n p +/- 3 sqrt(n p (1-p))."""
    return make_part("np", counts, size * p, np.sqrt(size * p * (1 - p)), ceiling=float(size))


def c_part(counts: np.ndarray, c: float) -> PartSeries:
    """Nonconformities per sample; limits c +/- 3 sqrt(c)."""
    return make_part("c", counts, c, np.sqrt(c))


def u_part(counts: np.ndarray, sizes: np.ndarray, u: float) -> PartSeries:
    """Nonconformities per unit c/n; limits u +/- 3 sqrt(u/n) per point."""
    return make_part("u", counts / sizes, u, np.sqrt(u / sizes))
