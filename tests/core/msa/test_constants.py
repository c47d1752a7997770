"""K1, K2, K3 from d2* against the values printed in the AIAG MSA manual."""

from __future__ import annotations

import math

import pytest

from core.msa import MsaError, k1, k2, k3
from core.msa.constants import d2_star_single

# AIAG MSA 4th ed., average-and-range data sheet (Figure III-B 15 / report form),
# printed to 4 decimals. Tolerance: half a unit in the last printed digit.
PRINTED_K1 = {2: 0.8862, 3: 0.5908}
PRINTED_K2 = {2: 0.7071, 3: 0.5231}
PRINTED_K3 = {
    2: 0.7071, 3: 0.5231, 4: 0.4467, 5: 0.4030, 6: 0.3742,
    7: 0.3534, 8: 0.3375, 9: 0.3249, 10: 0.3146,
}  # fmt: skip
HALF_UNIT = 0.5e-4 + 1e-12


@pytest.mark.parametrize(("trials", "printed"), PRINTED_K1.items())
def test_k1_matches_the_manual(trials: int, printed: float) -> None:
    assert abs(k1(trials) - printed) <= HALF_UNIT


@pytest.mark.parametrize(("appraisers", "printed"), PRINTED_K2.items())
def test_k2_matches_the_manual(appraisers: int, printed: float) -> None:
    assert abs(k2(appraisers) - printed) <= HALF_UNIT


@pytest.mark.parametrize(("parts", "printed"), PRINTED_K3.items())
def test_k3_matches_the_manual(parts: int, printed: float) -> None:
    assert abs(k3(parts) - printed) <= HALF_UNIT


def test_d2_star_of_one_range_of_two_is_root_two() -> None:
    # |X1 - X2| of two standard normals has E[R^2] = 2 exactly.
    assert d2_star_single(2) == pytest.approx(math.sqrt(2), abs=2e-6)


def test_d2_star_matches_the_aiag_appendix_c_g1_row() -> None:
    # AIAG MSA 4th ed. Appendix C, d2* for g = 1 (m = 3, 5, 10): 1.91155, 2.48124, 3.17905.
    # Tolerance 5e-5: our d2, d3 are themselves six-decimal values.
    for m, printed in ((3, 1.91155), (5, 2.48124), (10, 3.17905)):
        assert d2_star_single(m) == pytest.approx(printed, abs=5e-5)


@pytest.mark.parametrize("bad", [1, 26, 2.0, True])
def test_k_factors_refuse_sizes_outside_the_range_tables(bad: object) -> None:
    with pytest.raises(MsaError):
        k1(bad)  # type: ignore[arg-type]
