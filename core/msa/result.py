"""Results of a gauge R&R study, shared by the average-and-range and ANOVA methods.

Every component is a standard deviation (sigma), not a 6-sigma spread:
%study variation = sigma / TV x 100 does not depend on the multiplier, while
%tolerance = multiplier x sigma / tolerance x 100 does. AIAG MSA 4th ed. uses
a multiplier of 6 (99.73 % of a normal distribution); earlier editions and
some customers use 5.15 (99 %), hence the parameter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from core.msa.constants import (
    ACCEPTABLE_BELOW,
    MIN_NDC,
    NDC_FACTOR,
    UNACCEPTABLE_ABOVE,
)
from core.msa.errors import MsaError

GrrMethod = Literal["average-range", "anova"]
Verdict = Literal["acceptable", "conditionally acceptable", "unacceptable"]
VerdictBasis = Literal["study-variation", "tolerance"]

GRR_METHODS: tuple[GrrMethod, ...] = get_args(GrrMethod)
VERDICT_BASES: tuple[VerdictBasis, ...] = get_args(VerdictBasis)


@dataclass(frozen=True, slots=True)
class Shares:
    """One percentage per source of variation (interaction is None for average-and-range)."""

    ev: float
    av: float
    interaction: float | None
    grr: float
    pv: float


@dataclass(frozen=True, slots=True)
class AnovaRow:
    """One line of an ANOVA table; f and p are None where no test applies."""

    source: str
    df: int
    ss: float
    ms: float | None
    f: float | None
    p: float | None


@dataclass(frozen=True, slots=True)
class AnovaDetails:
    """The two-way crossed ANOVA behind an ANOVA-method result.

    table is the full model (part, appraiser, part x appraiser, repeatability,
    total) with random-effects F tests: part and appraiser against the
    interaction mean square, the interaction against repeatability. When the
    interaction p-value is at least alpha it is pooled into repeatability and
    reduced_table holds the model without it (both factors tested against the
    pooled mean square). Variances are the components before the square root,
    negative estimates already set to 0.
    """

    table: tuple[AnovaRow, ...]
    reduced_table: tuple[AnovaRow, ...] | None
    alpha: float
    interaction_f: float | None
    interaction_p: float
    interaction_pooled: bool
    var_repeatability: float
    var_appraiser: float
    var_interaction: float
    var_part: float


@dataclass(frozen=True, slots=True)
class RangeDetails:
    """The intermediate figures of the AIAG average-and-range data sheet."""

    r_double_bar: float
    x_diff: float
    r_p: float
    k1: float
    k2: float
    k3: float
    ucl_r: float
    appraiser_averages: tuple[float, ...]
    appraiser_ranges: tuple[float, ...]
    part_averages: tuple[float, ...]
    ranges_beyond_ucl: tuple[tuple[str, str, float], ...]  # (part, appraiser, range)


@dataclass(frozen=True, slots=True)
class GrrResult:
    """A gauge R&R verdict with its components as standard deviations.

    ev repeatability, av reproducibility between appraisers, interaction the
    appraiser-by-part component (ANOVA only), grr = sqrt(ev^2 + av^2 +
    interaction^2), pv part-to-part, tv = sqrt(grr^2 + pv^2). ndc is
    1.41 pv/grr truncated (None when grr is 0). The verdict judges
    %GRR of study variation, or of the tolerance when verdict_basis says so:
    under 10 % acceptable, 10-30 % conditionally acceptable, over 30 %
    unacceptable.
    """

    method: GrrMethod
    parts: int
    appraisers: int
    trials: int
    ev: float
    av: float
    interaction: float | None
    grr: float
    pv: float
    tv: float
    pct_study_variation: Shares
    pct_contribution: Shares
    pct_tolerance: Shares | None
    tolerance: float | None
    multiplier: float
    ndc: int | None
    verdict: Verdict
    verdict_basis: VerdictBasis
    anova: AnovaDetails | None
    average_range: RangeDetails | None
    notes: tuple[str, ...]

    @property
    def pct_grr(self) -> float:
        """GRR as a percentage of total variation (%study variation)."""
        return self.pct_study_variation.grr

    @property
    def reproducibility(self) -> float:
        """Appraiser and interaction components together: sqrt(av^2 + interaction^2)."""
        return math.hypot(self.av, self.interaction or 0.0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (no NaN or infinity) for storing or printing the result."""
        out = asdict(self)
        out["pct_grr"] = self.pct_grr
        out["reproducibility"] = self.reproducibility
        return out


@dataclass(frozen=True, slots=True)
class GrrOptions:
    """Checked reporting options common to both methods."""

    tolerance: float | None
    multiplier: float
    verdict_basis: VerdictBasis


def check_options(tolerance: float | None, multiplier: float, verdict_on: str) -> GrrOptions:
    """Validate tolerance, multiplier and verdict basis before any arithmetic."""
    if tolerance is not None:
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
            raise MsaError(f"the tolerance must be a number, got {tolerance!r}")
        if not (math.isfinite(tolerance) and tolerance > 0):
            raise MsaError(f"the tolerance (USL - LSL) must be a positive number, got {tolerance}")
    if isinstance(multiplier, bool) or not isinstance(multiplier, int | float):
        raise MsaError(f"the study variation multiplier must be a number, got {multiplier!r}")
    if not (math.isfinite(multiplier) and multiplier > 0):
        raise MsaError(
            "the study variation multiplier must be positive (6 for AIAG 4th ed.), "
            f"got {multiplier}"
        )
    if verdict_on not in VERDICT_BASES:
        raise MsaError(
            f"unknown verdict basis {verdict_on!r}: choose one of {', '.join(VERDICT_BASES)}"
        )
    if verdict_on == "tolerance" and tolerance is None:
        raise MsaError("a verdict on %tolerance needs the tolerance (USL - LSL)")
    return GrrOptions(
        tolerance=None if tolerance is None else float(tolerance),
        multiplier=float(multiplier),
        verdict_basis=verdict_on,  # type: ignore[arg-type]
    )


def judge(pct_grr: float) -> Verdict:
    """AIAG acceptance of a %GRR: under 10 acceptable, 10 to 30 conditionally, over 30 not."""
    if pct_grr < ACCEPTABLE_BELOW:
        return "acceptable"
    if pct_grr <= UNACCEPTABLE_ABOVE:
        return "conditionally acceptable"
    return "unacceptable"


def number_of_distinct_categories(pv: float, grr: float) -> int | None:
    """ndc = 1.41 pv/grr truncated to an integer (AIAG); None when grr is 0."""
    if grr <= 0:
        return None
    return int(NDC_FACTOR * pv / grr)


def summarise(
    *,
    method: GrrMethod,
    shape: tuple[int, int, int],
    ev: float,
    av: float,
    interaction: float | None,
    pv: float,
    options: GrrOptions,
    anova: AnovaDetails | None = None,
    average_range: RangeDetails | None = None,
    notes: tuple[str, ...] = (),
) -> GrrResult:
    """Combine the components into GRR, TV, the percentages, ndc and the verdict."""
    grr = math.sqrt(ev * ev + av * av + (interaction or 0.0) ** 2)
    tv = math.hypot(grr, pv)
    if not tv > 0:
        raise MsaError(
            "the study shows no repeatability, appraiser or part variation (TV = 0): "
            "check the gauge resolution and that different parts were measured"
        )

    def shares(scale: float, power: int) -> Shares:
        def pct(sigma: float) -> float:
            return 100.0 * (sigma / scale) ** power

        return Shares(
            ev=pct(ev),
            av=pct(av),
            interaction=None if interaction is None else pct(interaction),
            grr=pct(grr),
            pv=pct(pv),
        )

    study = shares(tv, 1)
    contribution = shares(tv, 2)
    tolerance = None
    if options.tolerance is not None:
        tolerance = shares(options.tolerance / options.multiplier, 1)
    judged = study.grr
    if options.verdict_basis == "tolerance":
        assert tolerance is not None  # check_options insists on a tolerance
        judged = tolerance.grr
    ndc = number_of_distinct_categories(pv, grr)
    extra: list[str] = list(notes)
    if ndc is None:
        extra.append(
            "no measurement variation was found (GRR = 0), so ndc is undefined: "
            "check that the gauge resolution is fine enough to show repeat differences"
        )
    elif ndc < MIN_NDC:
        extra.append(
            f"ndc = {ndc} is below {MIN_NDC}: the gauge cannot separate the parts into "
            "enough categories for process control (AIAG)"
        )
    parts, appraisers, trials = shape
    return GrrResult(
        method=method, parts=parts, appraisers=appraisers, trials=trials,
        ev=ev, av=av, interaction=interaction, grr=grr, pv=pv, tv=tv,
        pct_study_variation=study, pct_contribution=contribution, pct_tolerance=tolerance,
        tolerance=options.tolerance, multiplier=options.multiplier,
        ndc=ndc, verdict=judge(judged), verdict_basis=options.verdict_basis,
        anova=anova, average_range=average_range, notes=tuple(extra),
    )  # fmt: skip
