"""Regularized incomplete beta, F and t tails against closed forms and published tables."""

from __future__ import annotations

import math

import pytest

from core.msa import MsaError, f_critical, f_sf, regularized_beta, t_critical, t_two_sided_p

# NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.3 "Upper Critical Values
# of the F Distribution" (alpha, numerator df, denominator df) -> printed value.
# Tolerance: half a unit in the third printed decimal.
NIST_F = {
    (0.10, 1, 1): 39.863,
    (0.10, 3, 20): 2.380,
    (0.05, 1, 1): 161.448,
    (0.05, 2, 10): 4.103,
    (0.05, 5, 10): 3.326,
    (0.05, 10, 10): 2.978,
    (0.05, 2, 60): 3.150,
    (0.05, 9, 60): 2.040,
    (0.05, 1, 100): 3.936,
    (0.05, 10, 100): 1.927,
    (0.01, 1, 1): 4052.181,
    (0.01, 2, 10): 7.559,
    (0.01, 5, 10): 5.636,
    (0.01, 10, 10): 4.849,
    (0.01, 1, 100): 6.895,
    (0.01, 10, 100): 2.503,
}
# NIST/SEMATECH e-Handbook 1.3.6.7.2 "Critical Values of the Student's t Distribution"
# (two-sided alpha, df) -> printed value, three decimals.
NIST_T = {(0.05, 1): 12.706, (0.05, 10): 2.228, (0.05, 100): 1.984, (0.01, 5): 4.032}
HALF_UNIT = 0.5e-3 + 1e-9


@pytest.mark.parametrize(("key", "printed"), NIST_F.items())
def test_f_critical_values_match_the_nist_table(
    key: tuple[float, int, int], printed: float
) -> None:
    alpha, d1, d2 = key
    assert abs(f_critical(alpha, d1, d2) - printed) <= HALF_UNIT
    assert f_sf(f_critical(alpha, d1, d2), d1, d2) == pytest.approx(alpha, rel=1e-9)


@pytest.mark.parametrize(("key", "printed"), NIST_T.items())
def test_t_critical_values_match_the_nist_table(key: tuple[float, int], printed: float) -> None:
    alpha, df = key
    assert abs(t_critical(alpha, df) - printed) <= HALF_UNIT


def test_closed_forms_of_the_incomplete_beta() -> None:
    # I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_x(1/2, 1/2) = (2/pi) asin(sqrt x),
    # and the symmetry I_x(a, b) = 1 - I_(1-x)(b, a). Tolerance 1e-12.
    for x in (1e-6, 0.01, 0.3, 0.5, 0.77, 0.999):
        for a in (0.5, 2.0, 7.5, 40.0):
            assert regularized_beta(x, a, 1.0) == pytest.approx(x**a, rel=1e-12, abs=1e-300)
            assert regularized_beta(x, 1.0, a) == pytest.approx(1 - (1 - x) ** a, rel=1e-12)
            for b in (0.5, 3.0, 60.0):
                total = regularized_beta(x, a, b) + regularized_beta(1 - x, b, a)
                assert total == pytest.approx(1.0, abs=1e-12)
        arcsine = 2 / math.pi * math.asin(math.sqrt(x))
        assert regularized_beta(x, 0.5, 0.5) == pytest.approx(arcsine, rel=1e-12)
    assert regularized_beta(0.0, 2.0, 3.0) == 0.0
    assert regularized_beta(1.0, 2.0, 3.0) == 1.0


def test_incomplete_beta_gives_binomial_tails() -> None:
    # P(X >= k) for X ~ Binomial(n, p) equals I_p(k, n - k + 1). Tolerance 1e-12.
    n, p = 20, 0.3
    for k in (1, 5, 10, 19):
        tail = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
        assert regularized_beta(p, k, n - k + 1) == pytest.approx(tail, rel=1e-12)


def test_t_and_f_agree_and_have_the_textbook_tails() -> None:
    # t^2 with df degrees of freedom is F(1, df); t with 1 df is Cauchy: P(|T| > 1) = 1/2.
    assert t_two_sided_p(2.5, 12) == pytest.approx(f_sf(6.25, 1, 12), rel=1e-12)
    assert t_two_sided_p(1.0, 1) == pytest.approx(0.5, rel=1e-12)
    assert t_two_sided_p(0.0, 7) == pytest.approx(1.0, abs=1e-15)
    # F(2, d2): P(F > f) = (1 + 2f/d2)^(-d2/2) exactly.
    assert f_sf(3.0, 2, 9) == pytest.approx((1 + 2 * 3.0 / 9) ** -4.5, rel=1e-12)
    assert f_sf(0.0, 3, 4) == 1.0 and f_sf(math.inf, 3, 4) == 0.0


def test_published_p_values() -> None:
    # Minitab, crossed gage R&R example (AIAG data): part x operator F = 0.434 on 18 and
    # 60 df has p = 0.974. Montgomery, DOE Example 13.1, Tables 13.2 and 13.3: F from the
    # printed SS and df, p printed to three decimals. Tolerance: half a unit of the
    # printed p plus the effect of the printed SS rounding (0.001 in all).
    assert f_sf((0.3590 / 18) / (2.7589 / 60), 18, 60) == pytest.approx(0.974, abs=1e-3)
    assert f_sf((2.617 / 2) / (27.050 / 38), 2, 38) == pytest.approx(0.173, abs=1e-3)
    assert f_sf((27.050 / 38) / (59.500 / 60), 38, 60) == pytest.approx(0.861, abs=1e-3)
    assert f_sf((2.617 / 2) / (86.550 / 98), 2, 98) == pytest.approx(0.232, abs=1e-3)


def test_large_degrees_of_freedom_converge() -> None:
    # F(1000, 1000) is tightly centred on 1: the upper 5 % point is about 1.11.
    assert 1.09 < f_critical(0.05, 1000, 1000) < 1.12
    assert f_sf(1.0, 100_000, 100_000) == pytest.approx(0.5, abs=1e-3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: regularized_beta(1.5, 1, 1),
        lambda: regularized_beta(0.5, 0, 1),
        lambda: regularized_beta(0.5, 1, math.nan),
        lambda: f_sf(1.0, 0, 5),
        lambda: f_sf(math.nan, 1, 5),
        lambda: t_two_sided_p(1.0, -3),
        lambda: f_critical(1.0, 2, 3),
        lambda: t_critical(0.0, 3),
    ],
)
def test_bad_arguments_are_refused(call: object) -> None:
    with pytest.raises(MsaError):
        call()  # type: ignore[operator]
