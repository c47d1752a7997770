"""Gauge R&R by the average-and-range method (AIAG MSA 4th ed., chapter III, section B).

    EV = R-double-bar K1                      (repeatability)
    AV = sqrt((X-bar-diff K2)^2 - EV^2/(n r))  (reproducibility; 0 when negative)
    PV = Rp K3                                 (part-to-part)
    GRR = sqrt(EV^2 + AV^2), TV = sqrt(GRR^2 + PV^2)

with n parts and r trials; R-double-bar is the mean of the appraisers' average
ranges, X-bar-diff the range of the appraiser averages and Rp the range of
the part averages. The method cannot separate an appraiser-by-part interaction.
"""

from __future__ import annotations

import math

import numpy as np

from core.msa.constants import STUDY_VARIATION_MULTIPLIER, k1, k2, k3
from core.msa.result import GrrResult, RangeDetails, check_options, summarise
from core.msa.study import GrrStudy
from core.spc.constants import factors


def average_and_range(
    study: GrrStudy,
    *,
    tolerance: float | None = None,
    multiplier: float = STUDY_VARIATION_MULTIPLIER,
    verdict_on: str = "study-variation",
) -> GrrResult:
    """EV, AV, GRR, PV and TV of a study by the AIAG average-and-range method.

    tolerance (USL - LSL) adds %tolerance = multiplier x sigma / tolerance x 100;
    multiplier defaults to 6 as in AIAG MSA 4th ed. verdict_on is
    "study-variation" or "tolerance". Notes flag ranges beyond UCL_R = D4
    R-double-bar (AIAG: re-measure or discard those readings) and an AV set to 0.
    """
    options = check_options(tolerance, multiplier, verdict_on)
    n_parts, n_appraisers, n_trials = study.shape
    c1, c2, c3 = k1(n_trials), k2(n_appraisers), k3(n_parts)
    y = study.values
    ranges = np.ptp(y, axis=2)  # (parts, appraisers)
    appraiser_ranges = ranges.mean(axis=0)
    appraiser_averages = y.mean(axis=(0, 2))
    part_averages = y.mean(axis=(1, 2))
    r_double_bar = float(appraiser_ranges.mean())
    x_diff = float(np.ptp(appraiser_averages))
    r_p = float(np.ptp(part_averages))

    ev = r_double_bar * c1
    av_squared = (x_diff * c2) ** 2 - ev * ev / (n_parts * n_trials)
    av = math.sqrt(av_squared) if av_squared > 0 else 0.0
    pv = r_p * c3

    ucl_r = factors(n_trials).D4 * r_double_bar
    beyond = tuple(
        (study.parts[i], study.appraisers[j], float(ranges[i, j]))
        for i, j in zip(*np.nonzero(ranges > ucl_r), strict=True)
    )
    notes: list[str] = []
    if beyond:
        cells = ", ".join(f"part {p} / appraiser {a} (R = {r:.6g})" for p, a, r in beyond)
        notes.append(
            f"ranges beyond UCL_R = {ucl_r:.6g}: {cells}; AIAG: repeat those readings "
            "with the same appraiser and part, or discard them, before trusting EV"
        )
    if av_squared <= 0 and x_diff > 0:
        notes.append(
            "the appraiser averages differ less than repeatability alone explains: AV set to 0"
        )
    details = RangeDetails(
        r_double_bar=r_double_bar, x_diff=x_diff, r_p=r_p, k1=c1, k2=c2, k3=c3, ucl_r=ucl_r,
        appraiser_averages=tuple(float(v) for v in appraiser_averages),
        appraiser_ranges=tuple(float(v) for v in appraiser_ranges),
        part_averages=tuple(float(v) for v in part_averages),
        ranges_beyond_ucl=beyond,
    )  # fmt: skip
    return summarise(
        method="average-range",
        shape=study.shape,
        ev=ev,
        av=av,
        interaction=None,
        pv=pv,
        options=options,
        average_range=details,
        notes=tuple(notes),
    )
