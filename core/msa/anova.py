"""Gauge R&R by two-way crossed ANOVA with interaction (AIAG MSA 4th ed., chapter III-B).

For p parts, o appraisers and r trials (both factors random):

    sigma^2_repeatability = MS_E
    sigma^2_interaction   = (MS_PA - MS_E) / r
    sigma^2_appraiser     = (MS_A - MS_PA) / (p r)
    sigma^2_part          = (MS_P - MS_PA) / (o r)

Negative estimates are set to 0. The interaction is tested with
F = MS_PA / MS_E; when its p-value is at least alpha (the AIAG manual
suggests 0.25) it is pooled into repeatability: MS_pool = (SS_PA + SS_E) /
(df_PA + df_E) replaces both MS_PA and MS_E above and the interaction is 0.
EV, AV, interaction and PV are the square roots.
"""

from __future__ import annotations

import math

import numpy as np

from core.msa.constants import INTERACTION_ALPHA, STUDY_VARIATION_MULTIPLIER
from core.msa.distributions import f_sf
from core.msa.errors import MsaError
from core.msa.result import AnovaDetails, AnovaRow, GrrResult, check_options, summarise
from core.msa.study import GrrStudy


def f_test(
    ms_effect: float, ms_error: float, df_effect: int, df_error: int
) -> tuple[float | None, float]:
    """F = ms_effect / ms_error and its upper-tail p-value.

    With a zero error mean square F is undefined (None): p is 0 when the
    effect varies at all and 1 when it does not.
    """
    if ms_error > 0:
        f = ms_effect / ms_error
        return f, f_sf(f, df_effect, df_error)
    return None, 0.0 if ms_effect > 0 else 1.0


def sums_of_squares(values: np.ndarray) -> tuple[float, float, float, float]:
    """SS for part, appraiser, part x appraiser and repeatability of a (p, o, r) array."""
    grand = values.mean()
    cell = values.mean(axis=2)
    part = values.mean(axis=(1, 2))
    appraiser = values.mean(axis=(0, 2))
    _, o, r = values.shape
    p = values.shape[0]
    ss_part = float(o * r * np.sum((part - grand) ** 2))
    ss_appraiser = float(p * r * np.sum((appraiser - grand) ** 2))
    ss_interaction = float(r * np.sum((cell - part[:, None] - appraiser[None, :] + grand) ** 2))
    ss_error = float(np.sum((values - cell[:, :, None]) ** 2))
    return ss_part, ss_appraiser, ss_interaction, ss_error


def anova(
    study: GrrStudy,
    *,
    alpha: float = INTERACTION_ALPHA,
    tolerance: float | None = None,
    multiplier: float = STUDY_VARIATION_MULTIPLIER,
    verdict_on: str = "study-variation",
) -> GrrResult:
    """EV, AV, interaction, GRR, PV and TV of a study by two-way crossed ANOVA.

    alpha is the significance level of the appraiser-by-part interaction test
    (default 0.25 as the AIAG manual suggests): at p >= alpha the interaction
    is pooled into repeatability. The decision, alpha and both ANOVA tables
    are in result.anova. tolerance, multiplier and verdict_on as for
    average_and_range.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise MsaError(
            f"the interaction significance level alpha must be between 0 and 1, got {alpha!r}"
        )
    options = check_options(tolerance, multiplier, verdict_on)
    p, o, r = study.shape
    ss_p, ss_a, ss_pa, ss_e = sums_of_squares(study.values)
    df_p, df_a, df_pa, df_e = p - 1, o - 1, (p - 1) * (o - 1), p * o * (r - 1)
    ms_p, ms_a, ms_pa, ms_e = ss_p / df_p, ss_a / df_a, ss_pa / df_pa, ss_e / df_e
    ss_total = ss_p + ss_a + ss_pa + ss_e

    f_pa, p_pa = f_test(ms_pa, ms_e, df_pa, df_e)
    f_p, p_p = f_test(ms_p, ms_pa, df_p, df_pa)
    f_a, p_a = f_test(ms_a, ms_pa, df_a, df_pa)
    table = (
        AnovaRow("part", df_p, ss_p, ms_p, f_p, p_p),
        AnovaRow("appraiser", df_a, ss_a, ms_a, f_a, p_a),
        AnovaRow("part x appraiser", df_pa, ss_pa, ms_pa, f_pa, p_pa),
        AnovaRow("repeatability", df_e, ss_e, ms_e, None, None),
        AnovaRow("total", p * o * r - 1, ss_total, None, None, None),
    )
    pooled = p_pa >= alpha
    reduced = None
    df_pool = df_pa + df_e
    ms_pool = (ss_pa + ss_e) / df_pool
    if pooled:
        rf_p, rp_p = f_test(ms_p, ms_pool, df_p, df_pool)
        rf_a, rp_a = f_test(ms_a, ms_pool, df_a, df_pool)
        reduced = (
            AnovaRow("part", df_p, ss_p, ms_p, rf_p, rp_p),
            AnovaRow("appraiser", df_a, ss_a, ms_a, rf_a, rp_a),
            AnovaRow("repeatability", df_pool, ss_pa + ss_e, ms_pool, None, None),
            AnovaRow("total", p * o * r - 1, ss_total, None, None, None),
        )
        var_e, var_pa = ms_pool, 0.0
        var_a = max(0.0, (ms_a - ms_pool) / (p * r))
        var_p = max(0.0, (ms_p - ms_pool) / (o * r))
    else:
        var_e = ms_e
        var_pa = max(0.0, (ms_pa - ms_e) / r)
        var_a = max(0.0, (ms_a - ms_pa) / (p * r))
        var_p = max(0.0, (ms_p - ms_pa) / (o * r))
    notes = [_pooling_note(p_pa, alpha, pooled)]
    negative = [
        name
        for name, raw in (
            ("interaction", None if pooled else ms_pa - ms_e),
            ("appraiser", ms_a - (ms_pool if pooled else ms_pa)),
            ("part", ms_p - (ms_pool if pooled else ms_pa)),
        )
        if raw is not None and raw < 0
    ]
    if negative:
        notes.append(f"negative variance estimate set to 0: {', '.join(negative)}")
    details = AnovaDetails(
        table=table, reduced_table=reduced, alpha=float(alpha),
        interaction_f=f_pa, interaction_p=p_pa, interaction_pooled=pooled,
        var_repeatability=var_e, var_appraiser=var_a, var_interaction=var_pa, var_part=var_p,
    )  # fmt: skip
    return summarise(
        method="anova",
        shape=study.shape,
        ev=math.sqrt(var_e),
        av=math.sqrt(var_a),
        interaction=math.sqrt(var_pa),
        pv=math.sqrt(var_p),
        options=options,
        anova=details,
        notes=tuple(notes),
    )


def _pooling_note(p_value: float, alpha: float, pooled: bool) -> str:
    if pooled:
        return (
            f"the part x appraiser interaction is not significant (p = {p_value:.3g} >= "
            f"alpha = {alpha:g}): pooled into repeatability"
        )
    return (
        f"the part x appraiser interaction is significant (p = {p_value:.3g} < "
        f"alpha = {alpha:g}): kept as its own component of GRR"
    )
