"""Capability indices and the normality check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.spc import SpcError, anderson_darling, capability
from core.spc.normality import ad_p_value


def test_pistonrings_capability_matches_qcc(pistonrings: np.ndarray) -> None:
    # qcc vignette, processCapability(q, spec.limits = c(73.95, 74.05)) on samples 1-25:
    # Cp 1.703, Cp_l 1.743, Cp_u 1.663, Cp_k 1.663 (sigma R-bar/d2). Tolerance: printed digits.
    cap = capability(pistonrings[:25], lsl=73.95, usl=74.05)
    assert cap.within_method == "rbar"
    assert cap.n == 125
    assert cap.cp == pytest.approx(1.703, abs=0.0005)
    assert cap.cpl == pytest.approx(1.743, abs=0.0005)
    assert cap.cpu == pytest.approx(1.663, abs=0.0005)
    assert cap.cpk == pytest.approx(1.663, abs=0.0005)
    # Montgomery Example 6.1 (rounded sigma 0.0099) gives PCR = 1.68; ours with unrounded
    # R-bar/d2 is 1.70, within the rounding of his sigma (derived tolerance 0.03).
    assert cap.cp == pytest.approx(1.68, abs=0.03)
    # Pp/Ppk use the overall sample standard deviation (derived).
    sd = float(np.std(pistonrings[:25], ddof=1))
    assert cap.pp == pytest.approx(0.1 / (6 * sd))
    assert cap.ppk == pytest.approx(min(74.05 - cap.mean, cap.mean - 73.95) / (3 * sd))
    assert cap.normality is not None and cap.normality.normal
    assert cap.notes == ()


def test_narrow_specs_match_qcc(pistonrings: np.ndarray) -> None:
    # qcc: spec.limits = c(73.99, 74.01): Cp 0.341, Cp_l 0.381, Cp_u 0.301, Cp_k 0.301.
    cap = capability(pistonrings[:25], lsl=73.99, usl=74.01)
    assert (cap.cp, cap.cpl, cap.cpu, cap.cpk) == pytest.approx(
        (0.341, 0.381, 0.301, 0.301), abs=0.0005
    )


def test_one_sided_specifications(pistonrings: np.ndarray) -> None:
    # qcc: spec.limits = c(73.99, 74.1) gives Cp_l 0.381, Cp_u 3.367 (qcc's sigma uses
    # d2 = 2.326, which moves Cp_u by 1e-4: tolerance 0.001). With one limit only that
    # side's index exists and Cp/Pp are not defined.
    lower = capability(pistonrings[:25], lsl=73.99)
    assert lower.cp is None and lower.pp is None and lower.cpu is None
    assert lower.cpk == lower.cpl == pytest.approx(0.381, abs=0.0005)
    upper = capability(pistonrings[:25], usl=74.1)
    assert upper.cp is None and upper.cpl is None and upper.ppl is None
    assert upper.cpk == upper.cpu == pytest.approx(3.367, abs=0.001)
    assert upper.ppk == upper.ppu


def test_within_sigma_methods(pistonrings: np.ndarray, viscosity: list[float]) -> None:
    s = capability(pistonrings[:25], lsl=73.95, usl=74.05, within="sbar")
    # S-bar / c4 = 0.009240037 / 0.939986 (qcc S-chart centre; derived).
    assert s.sigma_within == pytest.approx(0.009240037 / 0.939986, rel=1e-6)
    i = capability(viscosity[:20], lsl=32.0, usl=36.0)
    assert i.within_method == "mrbar"
    # MR-bar / d2(2); qcc prints 0.5076521 using d2 = 1.128 (relative 3.4e-4).
    assert i.sigma_within == pytest.approx(0.5076521, rel=4e-4)
    given = capability(viscosity[:20], lsl=32.0, sigma_within=0.5)
    assert given.within_method == "given" and given.cpl == pytest.approx((34.088 - 32) / 1.5)


def test_non_normal_data_get_a_note() -> None:
    skewed = np.random.default_rng(11).exponential(1.0, 200)
    cap = capability(skewed, usl=8.0)
    assert cap.normality is not None and not cap.normality.normal
    assert any("do not look normal" in note for note in cap.notes)
    normal = np.random.default_rng(11).normal(10.0, 1.0, 200)
    assert capability(normal, lsl=6.0, usl=14.0).notes == ()


def test_anderson_darling_statistic_matches_its_definition() -> None:
    # Derived: A2 = -n - mean((2i - 1)(ln F(z_i) + ln(1 - F(z_{n+1-i})))), then Stephens' factor.
    x = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8, 3.9, 4.1, 3.0, 2.5, 6.2]
    xs = sorted(x)
    n = len(xs)
    mean = sum(xs) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in xs) / (n - 1))
    cdf = [0.5 * (1 + math.erf((v - mean) / sd / math.sqrt(2))) for v in xs]
    s = sum((2 * i + 1) * (math.log(cdf[i]) + math.log(1 - cdf[n - 1 - i])) for i in range(n))
    a2 = -n - s / n
    result = anderson_darling(x)
    assert result.statistic == pytest.approx(a2 * (1 + 0.75 / n + 2.25 / n**2), rel=1e-9)


def test_ad_p_value_hits_published_critical_values() -> None:
    # D'Agostino & Stephens (1986) Table 4.7, case 3 (mean and variance estimated), for
    # A* = A2 (1 + 0.75/n + 2.25/n^2): upper-tail points 0.631 (10 %), 0.752 (5 %),
    # 0.873 (2.5 %), 1.035 (1 %). (scipy's 0.656/0.787/... belong to Stephens' 1974
    # adjustment 1 + 4/n - 25/n^2, a different statistic.) Tolerance 10 % of p.
    for a_star, p in ((0.631, 0.10), (0.752, 0.05), (0.873, 0.025), (1.035, 0.01)):
        assert ad_p_value(a_star) == pytest.approx(p, rel=0.1)
    assert ad_p_value(0.1) > 0.9 and ad_p_value(50.0) < 1e-20


def test_capability_bad_inputs() -> None:
    data = [1.0, 2.0, 1.5, 1.7]
    with pytest.raises(SpcError, match="at least one specification"):
        capability(data)
    with pytest.raises(SpcError, match="must be below USL"):
        capability(data, lsl=3.0, usl=1.0)
    with pytest.raises(SpcError, match="every measurement is the same"):
        capability([2.0] * 10, lsl=1.0, usl=3.0)
    with pytest.raises(SpcError, match="blanks or infinities"):
        capability([1.0, math.inf, 2.0], lsl=0.0)
    with pytest.raises(SpcError, match="no measurements"):
        capability([], lsl=0.0)
    with pytest.raises(SpcError, match="unknown within-sigma"):
        capability(data, lsl=0.0, within="iqr")  # type: ignore[arg-type]
