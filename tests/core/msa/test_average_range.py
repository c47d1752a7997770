"""Average-and-range gauge R&R against the AIAG MSA manual's worked example."""

from __future__ import annotations

import math

import pytest

from core.msa import average_and_range, gauge_rr, grr_study, judge

Row = tuple[str, str, str, float]


def test_aiag_worked_example(aiag: list[Row]) -> None:
    # AIAG MSA 4th ed., average-and-range example: EV 0.20188, AV 0.22963, GRR 0.30575,
    # PV 1.10456, TV 1.14610, %GRR 26.68 %, ndc 5. The manual rounds R-double-bar to
    # 0.3417, Rp to 3.511 and K to 4 decimals before multiplying; our exact d2* constants
    # differ by up to 1.1e-4, hence the tolerance 2e-4 (0.01 percentage points for %GRR).
    result = average_and_range(grr_study(aiag))
    assert result.method == "average-range"
    assert (result.parts, result.appraisers, result.trials) == (10, 3, 3)
    assert result.ev == pytest.approx(0.20188, abs=2e-4)
    assert result.av == pytest.approx(0.22963, abs=2e-4)
    assert result.grr == pytest.approx(0.30575, abs=2e-4)
    assert result.pv == pytest.approx(1.10456, abs=2e-4)
    assert result.tv == pytest.approx(1.14610, abs=2e-4)
    assert result.pct_grr == pytest.approx(26.68, abs=0.01)
    assert result.ndc == 5
    assert result.verdict == "conditionally acceptable"
    assert result.interaction is None and result.anova is None


def test_aiag_intermediate_figures_and_percentages(aiag: list[Row]) -> None:
    # Same data sheet: R-bar A 0.184, B 0.513, C 0.328; X-bar A 0.1903, B 0.0683,
    # C -0.2543; R-double-bar 0.3417, X-bar-diff 0.4446, Rp 3.511; %EV 17.6, %AV 20.0,
    # %PV 96.4. Tolerance: half a unit in the last printed digit (0.06 for the
    # percentages, whose printed inputs were themselves rounded).
    result = average_and_range(grr_study(aiag))
    details = result.average_range
    assert details is not None
    assert details.appraiser_ranges == pytest.approx((0.184, 0.513, 0.328), abs=5e-4)
    assert details.appraiser_averages == pytest.approx((0.1903, 0.0683, -0.2543), abs=5e-4)
    assert details.r_double_bar == pytest.approx(0.3417, abs=5e-5)
    assert details.x_diff == pytest.approx(0.4446, abs=1e-4)
    assert details.r_p == pytest.approx(3.511, abs=5e-4)
    assert (details.k1, details.k2, details.k3) == pytest.approx((0.5908, 0.5231, 0.3146), abs=5e-5)
    shares = result.pct_study_variation
    assert shares.ev == pytest.approx(17.6, abs=0.06)
    assert shares.av == pytest.approx(20.0, abs=0.06)
    assert shares.pv == pytest.approx(96.4, abs=0.06)


def test_range_chart_check_flags_appraiser_b_part_4(aiag: list[Row]) -> None:
    # Arithmetic on the data sheet: UCL_R = D4 R-double-bar = 2.574 x 0.3417 = 0.880
    # (D4 = 2.574 for 3 trials); appraiser B's readings of part 4 span 1.03 - 0.01 = 1.02.
    result = average_and_range(grr_study(aiag))
    assert result.average_range is not None
    assert result.average_range.ucl_r == pytest.approx(0.8797, abs=1e-3)
    assert result.average_range.ranges_beyond_ucl == (("4", "B", pytest.approx(1.02)),)
    assert any("UCL_R" in note for note in result.notes)


def test_percentages_follow_their_definitions(aiag: list[Row]) -> None:
    result = average_and_range(grr_study(aiag), tolerance=8.0, multiplier=6.0)
    tv = result.tv
    assert result.grr == pytest.approx(math.hypot(result.ev, result.av), rel=1e-12)
    assert tv == pytest.approx(math.hypot(result.grr, result.pv), rel=1e-12)
    assert result.pct_contribution.grr == pytest.approx(100 * (result.grr / tv) ** 2)
    assert result.pct_contribution.ev + result.pct_contribution.av == pytest.approx(
        result.pct_contribution.grr
    )
    assert result.pct_tolerance is not None
    assert result.pct_tolerance.grr == pytest.approx(100 * 6 * result.grr / 8.0)
    # 5.15 sigma (AIAG 3rd ed.) shrinks %tolerance but not %study variation.
    older = average_and_range(grr_study(aiag), tolerance=8.0, multiplier=5.15)
    assert older.pct_tolerance is not None
    assert older.pct_tolerance.grr == pytest.approx(result.pct_tolerance.grr * 5.15 / 6)
    assert older.pct_grr == pytest.approx(result.pct_grr)


def test_verdict_on_tolerance(aiag: list[Row]) -> None:
    # 6 x 0.3058 / 20 = 9.2 % of the tolerance: acceptable, though 26.7 % of TV is not.
    result = gauge_rr(grr_study(aiag), "average-range", tolerance=20.0, verdict_on="tolerance")
    assert result.verdict_basis == "tolerance"
    assert result.pct_tolerance is not None and result.pct_tolerance.grr < 10
    assert result.verdict == "acceptable"


def test_av_is_zero_when_appraisers_agree_better_than_repeatability() -> None:
    # Two appraisers with identical averages: (X-bar-diff K2)^2 = 0 < EV^2/(n r).
    rows = [
        (part, appraiser, trial, base + noise)
        for part, base in (("1", 10.0), ("2", 12.0), ("3", 14.0))
        for appraiser, sign in (("A", 1.0), ("B", -1.0))
        for trial, noise in (("1", 0.1 * sign), ("2", -0.1 * sign))
    ]
    result = average_and_range(grr_study(rows))
    assert result.av == 0.0
    assert result.ev > 0
    # AV is 0 because X-bar-diff is 0 here; the "set to 0" note is for a negative estimate.
    rows[0] = ("1", "A", "1", 10.3)
    result = average_and_range(grr_study(rows))
    assert result.av == 0.0
    assert any("AV set to 0" in note for note in result.notes)


@pytest.mark.parametrize(
    ("pct", "verdict"),
    [
        (0.0, "acceptable"),
        (9.99, "acceptable"),
        (10.0, "conditionally acceptable"),
        (30.0, "conditionally acceptable"),
        (30.01, "unacceptable"),
    ],
)
def test_aiag_acceptance_bands(pct: float, verdict: str) -> None:
    # AIAG MSA 4th ed.: under 10 % acceptable, 10 % to 30 % may be acceptable, over 30 % not.
    assert judge(pct) == verdict
