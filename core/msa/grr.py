"""One entry point for a gauge R&R study, by method name."""

from __future__ import annotations

from core.msa.anova import anova
from core.msa.average_range import average_and_range
from core.msa.constants import INTERACTION_ALPHA, STUDY_VARIATION_MULTIPLIER
from core.msa.errors import MsaError
from core.msa.result import GRR_METHODS, GrrResult
from core.msa.study import GrrStudy


def gauge_rr(
    study: GrrStudy,
    method: str = "anova",
    *,
    tolerance: float | None = None,
    alpha: float = INTERACTION_ALPHA,
    multiplier: float = STUDY_VARIATION_MULTIPLIER,
    verdict_on: str = "study-variation",
) -> GrrResult:
    """Run the study by "average-range" or "anova" (alpha applies to ANOVA only)."""
    if method not in GRR_METHODS:
        raise MsaError(
            f"unknown gauge R&R method {method!r}: choose one of {', '.join(GRR_METHODS)}"
        )
    if method == "average-range":
        return average_and_range(
            study, tolerance=tolerance, multiplier=multiplier, verdict_on=verdict_on
        )
    return anova(
        study, alpha=alpha, tolerance=tolerance, multiplier=multiplier, verdict_on=verdict_on
    )
