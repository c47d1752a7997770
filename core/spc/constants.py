"""Control chart constants (d2, d3, c4 and the factors built from them).

d2 and d3 are the mean and standard deviation of the range of n standard
normal observations. They have no closed form; the values below were computed
by numeric integration to six decimals (tests/core/spc/test_constants.py
recomputes them) and agree with Harter's tables. c4 is exact (gamma function).
Every other factor is derived from these three with the textbook definitions,
so limits never inherit the rounding of a printed table:

    A  = 3/sqrt(n)             A2 = 3/(d2 sqrt(n))      A3 = 3/(c4 sqrt(n))
    D1 = max(0, d2 - 3 d3)     D2 = d2 + 3 d3           E2 = 3/d2
    D3 = max(0, 1 - 3 d3/d2)   D4 = 1 + 3 d3/d2
    B3 = max(0, 1 - 3 sqrt(1 - c4^2)/c4)   B4 = 1 + 3 sqrt(1 - c4^2)/c4
    B5 = max(0, c4 - 3 sqrt(1 - c4^2))     B6 = c4 + 3 sqrt(1 - c4^2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.spc.errors import SpcError

MIN_SUBGROUP = 2
MAX_SUBGROUP = 25  # range-based tables end here; beyond it the range wastes information

# Index 0 is n=2. Numeric integration, see module docstring.
_D2 = (
    1.128379, 1.692569, 2.058751, 2.325929, 2.534413, 2.704357, 2.847201, 2.970026,
    3.077505, 3.172873, 3.258455, 3.335980, 3.406763, 3.471827, 3.531983, 3.587884,
    3.640064, 3.688963, 3.734950, 3.778336, 3.819385, 3.858323, 3.895348, 3.930629,
)  # fmt: skip
_D3 = (
    0.852502, 0.888368, 0.879808, 0.864082, 0.848040, 0.833205, 0.819831, 0.807834,
    0.797051, 0.787315, 0.778478, 0.770416, 0.763023, 0.756211, 0.749908, 0.744052,
    0.738591, 0.733481, 0.728686, 0.724173, 0.719915, 0.715887, 0.712068, 0.708441,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Factors:
    """All control chart factors for one subgroup size n."""

    n: int
    d2: float
    d3: float
    c4: float
    A: float
    A2: float
    A3: float
    B3: float
    B4: float
    B5: float
    B6: float
    D1: float
    D2: float
    D3: float
    D4: float
    E2: float


def _check_range_size(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise SpcError(f"subgroup size must be a whole number, got {n!r}")
    if n < MIN_SUBGROUP:
        raise SpcError(
            f"subgroup size {n} is too small for a range or standard deviation: "
            "use subgroups of at least 2 measurements, or an individuals (I-MR) chart"
        )
    if n > MAX_SUBGROUP:
        raise SpcError(
            f"subgroup size {n} is above {MAX_SUBGROUP}, where range constants are not "
            "tabulated: use an X-bar S chart for large subgroups"
        )


def d2(n: int) -> float:
    """Mean range of n standard normal observations, for 2 <= n <= 25."""
    _check_range_size(n)
    return _D2[n - MIN_SUBGROUP]


def d3(n: int) -> float:
    """Standard deviation of the range of n standard normal observations, 2 <= n <= 25."""
    _check_range_size(n)
    return _D3[n - MIN_SUBGROUP]


def c4(n: int) -> float:
    """E(s)/sigma for a sample of n normal observations (exact, any n >= 2)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < MIN_SUBGROUP:
        raise SpcError(f"c4 needs a subgroup size of at least 2, got {n!r}")
    # lgamma keeps large n from overflowing gamma()
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def factors(n: int) -> Factors:
    """Every tabulated factor for subgroup size n (2 <= n <= 25)."""
    _check_range_size(n)
    dd2, dd3, cc4 = d2(n), d3(n), c4(n)
    root_n = math.sqrt(n)
    s_spread = math.sqrt(1.0 - cc4 * cc4)
    return Factors(
        n=n,
        d2=dd2,
        d3=dd3,
        c4=cc4,
        A=3.0 / root_n,
        A2=3.0 / (dd2 * root_n),
        A3=3.0 / (cc4 * root_n),
        B3=max(0.0, 1.0 - 3.0 * s_spread / cc4),
        B4=1.0 + 3.0 * s_spread / cc4,
        B5=max(0.0, cc4 - 3.0 * s_spread),
        B6=cc4 + 3.0 * s_spread,
        D1=max(0.0, dd2 - 3.0 * dd3),
        D2=dd2 + 3.0 * dd3,
        D3=max(0.0, 1.0 - 3.0 * dd3 / dd2),
        D4=1.0 + 3.0 * dd3 / dd2,
        E2=3.0 / dd2,
    )
