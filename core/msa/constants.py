"""Constants of measurement system analysis: K1, K2, K3 and the AIAG thresholds.

The average-and-range method (AIAG MSA 4th ed., chapter III section B) turns
ranges into standard deviations with K = 1/d2*, where d2* is the mean range
of m normal observations corrected for the number g of ranges averaged:

    K1 = 1/d2*(m = trials, g = parts x appraisers)  ~ 1/d2(trials)   (g large)
    K2 = 1/d2*(m = appraisers, g = 1)                = 1/sqrt(d2^2 + d3^2)
    K3 = 1/d2*(m = parts, g = 1)                     = 1/sqrt(d2^2 + d3^2)

For one range (g = 1) d2* is the root mean square range, sqrt(d2^2 + d3^2),
exactly; the manual's K1 uses the large-g limit d2. d2 and d3 come from
core.spc.constants, so the K values never inherit a printed table's rounding.
The manual prints K1 for 2-3 trials, K2 for 2-3 appraisers and K3 for 2-10
parts (tests/core/msa/test_constants.py checks them); the same definitions
are used up to 25, where the range constants end.
"""

from __future__ import annotations

import math

from core.msa.errors import MsaError
from core.spc.constants import MAX_SUBGROUP, MIN_SUBGROUP, d2, d3

# AIAG MSA 4th ed.: ndc = 1.41 PV/GRR (1.41 ~ sqrt(2)), truncated to an integer.
NDC_FACTOR = 1.41
# AIAG MSA 4th ed. guidance for %GRR: under 10 % acceptable, over 30 % unacceptable.
ACCEPTABLE_BELOW = 10.0
UNACCEPTABLE_ABOVE = 30.0
# AIAG MSA 4th ed. expresses study variation as 6 sigma (earlier editions used 5.15).
STUDY_VARIATION_MULTIPLIER = 6.0
# The AIAG manual suggests testing the appraiser-by-part interaction at 0.25.
INTERACTION_ALPHA = 0.25
# AIAG: at least 5 distinct categories for a gauge used in process control.
MIN_NDC = 5

# Type 1 gauge study (Bosch booklet 10 / VDA 5): Cg = (K/100 T)/(L s), capable at >= 1.33.
TYPE1_PERCENT_OF_TOLERANCE = 20.0
TYPE1_SPREAD = 6.0
TYPE1_MIN_INDEX = 1.33
TYPE1_RECOMMENDED_N = 25
BIAS_ALPHA = 0.05


def _check_size(n: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise MsaError(f"the number of {what} must be a whole number, got {n!r}")
    if n < MIN_SUBGROUP:
        raise MsaError(f"the average-and-range method needs at least 2 {what}, got {n}")
    if n > MAX_SUBGROUP:
        raise MsaError(
            f"{n} {what} is beyond the {MAX_SUBGROUP} the range constants cover: "
            "use the ANOVA method"
        )


def d2_star_single(m: int) -> float:
    """d2* for a single range of m observations: sqrt(d2(m)^2 + d3(m)^2)."""
    return math.sqrt(d2(m) ** 2 + d3(m) ** 2)


def k1(trials: int) -> float:
    """K1 = 1/d2(trials): turns the average range R-double-bar into EV."""
    _check_size(trials, "trials")
    return 1.0 / d2(trials)


def k2(appraisers: int) -> float:
    """K2 = 1/d2*(appraisers, 1): turns X-bar-diff into the appraiser spread."""
    _check_size(appraisers, "appraisers")
    return 1.0 / d2_star_single(appraisers)


def k3(parts: int) -> float:
    """K3 = 1/d2*(parts, 1): turns the range of part averages Rp into PV."""
    _check_size(parts, "parts")
    return 1.0 / d2_star_single(parts)
