"""F and Student t tail probabilities from the regularized incomplete beta function.

core/ may not use scipy, so the ANOVA and bias tests get their p-values here.
I_x(a, b) is evaluated with its continued fraction (Numerical Recipes, 6.4)
by the modified Lentz method, on the side of x where the fraction converges
fast (x < (a + 1)/(a + b + 2), otherwise through I_x(a, b) = 1 - I_(1-x)(b, a)).
The relative error stays below 1e-10 (lgamma rounding dominates for large a
and b); tests/core/msa/test_distributions.py checks closed forms and the
NIST/SEMATECH e-Handbook's F and t tables.

    P(F > f; d1, d2) = I_(d2/(d2 + d1 f))(d2/2, d1/2)
    P(|T| > t; df)   = I_(df/(df + t^2))(df/2, 1/2)
"""

from __future__ import annotations

import math
from collections.abc import Callable

from core.msa.errors import MsaError

_EPS = 1e-15
_TINY = 1e-300
_MAX_TERMS = 100_000  # the fraction needs O(sqrt(max(a, b))) terms; this is never reached


def _check_positive(value: float, what: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise MsaError(f"{what} must be a positive number, got {value!r}")


def _beta_fraction(x: float, a: float, b: float) -> float:
    """Continued fraction for I_x(a, b) (without the x^a (1-x)^b / (a B(a,b)) prefactor)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta fraction did not converge for a={a}, b={b}, x={x}")


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for 0 <= x <= 1 and a, b > 0."""
    _check_positive(a, "a")
    _check_positive(b, "b")
    if not 0.0 <= x <= 1.0:
        raise MsaError(f"the incomplete beta function needs 0 <= x <= 1, got {x!r}")
    if x == 0.0 or x == 1.0:
        return x
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log1p(-x)
    )  # fmt: skip
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


def f_sf(f: float, d1: float, d2: float) -> float:
    """P(F > f) for an F distribution with d1 and d2 degrees of freedom."""
    _check_positive(d1, "numerator degrees of freedom")
    _check_positive(d2, "denominator degrees of freedom")
    if math.isnan(f):
        raise MsaError("an F statistic cannot be NaN")
    if f <= 0.0:
        return 1.0
    if math.isinf(f):
        return 0.0
    return regularized_beta(d2 / (d2 + d1 * f), d2 / 2.0, d1 / 2.0)


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| > |t|) for Student's t with df degrees of freedom."""
    _check_positive(df, "degrees of freedom")
    if math.isnan(t):
        raise MsaError("a t statistic cannot be NaN")
    if math.isinf(t):
        return 0.0
    return regularized_beta(df / (df + t * t), df / 2.0, 0.5)


def _upper_quantile(tail: float, sf: Callable[[float], float], what: str) -> float:
    """The x > 0 with sf(x) = tail, for a decreasing survival function sf (bisection)."""
    if not (isinstance(tail, int | float) and 0.0 < tail < 1.0):
        raise MsaError(f"{what} needs a probability strictly between 0 and 1, got {tail!r}")
    lo, hi = 0.0, 1.0
    while sf(hi) > tail:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if sf(mid) > tail:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def f_critical(alpha: float, d1: float, d2: float) -> float:
    """Upper critical value F(alpha; d1, d2): P(F > value) = alpha."""
    _check_positive(d1, "numerator degrees of freedom")
    _check_positive(d2, "denominator degrees of freedom")
    return _upper_quantile(alpha, lambda f: f_sf(f, d1, d2), "an F critical value")


def t_critical(alpha: float, df: float) -> float:
    """Two-sided critical value t(alpha/2; df): P(|T| > value) = alpha."""
    _check_positive(df, "degrees of freedom")
    return _upper_quantile(alpha, lambda t: t_two_sided_p(t, df), "a t critical value")
