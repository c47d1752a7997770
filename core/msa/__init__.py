"""Measurement system analysis: crossed gauge R&R and the type 1 gauge study.

Pure numpy; no UI, web or database imports. Modules:

- study: GrrStudy and grr_study(rows of (part, appraiser, trial, value))
- average_range, anova: the two AIAG MSA 4th ed. gauge R&R methods; grr.gauge_rr
  picks one by name
- result: GrrResult (components as sigmas, %study variation, %contribution,
  %tolerance, ndc, verdict) and the ANOVA / average-and-range details
- type1: Cg, Cgk and the bias t-test (Bosch booklet 10 / VDA 5)
- constants: K1, K2, K3 (d2*-based) and the AIAG thresholds
- distributions: regularized incomplete beta, F and t tail probabilities
"""

from core.msa.anova import anova
from core.msa.average_range import average_and_range
from core.msa.constants import k1, k2, k3
from core.msa.distributions import (
    f_critical,
    f_sf,
    regularized_beta,
    t_critical,
    t_two_sided_p,
)
from core.msa.errors import MsaError
from core.msa.grr import gauge_rr
from core.msa.result import (
    GRR_METHODS,
    VERDICT_BASES,
    AnovaDetails,
    AnovaRow,
    GrrMethod,
    GrrResult,
    RangeDetails,
    Shares,
    Verdict,
    VerdictBasis,
    judge,
    number_of_distinct_categories,
)
from core.msa.study import GrrStudy, grr_study, grr_study_from_array
from core.msa.type1 import Type1Result, type1_study

__all__ = [
    "GRR_METHODS",
    "VERDICT_BASES",
    "AnovaDetails",
    "AnovaRow",
    "GrrMethod",
    "GrrResult",
    "GrrStudy",
    "MsaError",
    "RangeDetails",
    "Shares",
    "Type1Result",
    "Verdict",
    "VerdictBasis",
    "anova",
    "average_and_range",
    "f_critical",
    "f_sf",
    "gauge_rr",
    "grr_study",
    "grr_study_from_array",
    "judge",
    "k1",
    "k2",
    "k3",
    "number_of_distinct_categories",
    "regularized_beta",
    "t_critical",
    "t_two_sided_p",
    "type1_study",
]
