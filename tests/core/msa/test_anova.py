"""ANOVA gauge R&R against the AIAG/Minitab example and Montgomery's Example 13.1."""

from __future__ import annotations

import math

import pytest

from core.msa import anova, gauge_rr, grr_study

Row = tuple[str, str, str, float]


def _rows(result_table: tuple) -> dict[str, object]:
    return {row.source: row for row in result_table}


def test_aiag_anova_table(aiag: list[Row]) -> None:
    # AIAG MSA 4th ed. ANOVA table for the example data (reprinted by McNeese 2015):
    # appraiser SS 3.1673 MS 1.58363; parts SS 88.3619 MS 9.81799; appraiser-by-part
    # SS 0.3590 MS 0.01994 F 0.434; equipment SS 2.7589 MS 0.04598; total SS 94.6471.
    # Minitab's example prints p = 0.974 for the interaction.
    # Tolerance: half a unit in the last printed digit.
    result = anova(grr_study(aiag))
    assert result.anova is not None
    table = _rows(result.anova.table)
    part, appraiser, inter = table["part"], table["appraiser"], table["part x appraiser"]
    error, total = table["repeatability"], table["total"]
    assert (part.df, appraiser.df, inter.df, error.df, total.df) == (9, 2, 18, 60, 89)
    assert appraiser.ss == pytest.approx(3.1673, abs=5e-5)
    assert appraiser.ms == pytest.approx(1.58363, abs=5e-6)
    assert part.ss == pytest.approx(88.3619, abs=5e-5)
    assert part.ms == pytest.approx(9.81799, abs=5e-6)
    assert inter.ss == pytest.approx(0.3590, abs=5e-5)
    assert inter.ms == pytest.approx(0.01994, abs=5e-6)
    assert inter.f == pytest.approx(0.434, abs=5e-4)
    assert inter.p == pytest.approx(0.974, abs=5e-4)
    assert error.ss == pytest.approx(2.7589, abs=5e-5)
    assert error.ms == pytest.approx(0.04598, abs=5e-6)
    assert total.ss == pytest.approx(94.6471, abs=5e-5)
    # Both factors are random, so part and appraiser are tested against the interaction
    # mean square, as Minitab and Montgomery (Table 13.2) do. The AIAG table divides by
    # the equipment mean square instead and prints F 34.44 (appraiser), 213.52 (parts).
    assert part.f == pytest.approx(part.ms / inter.ms, rel=1e-12)
    assert appraiser.f == pytest.approx(appraiser.ms / inter.ms, rel=1e-12)
    assert appraiser.ms / error.ms == pytest.approx(34.44, abs=5e-3)
    assert part.ms / error.ms == pytest.approx(213.52, abs=5e-3)


def test_aiag_anova_results_pool_the_interaction(aiag: list[Row]) -> None:
    # AIAG MSA 4th ed. ANOVA results (as reprinted by McNeese 2015) and Minitab's example:
    # interaction not significant, pooled; variances EV 0.039973, AV 0.051455,
    # INT 0, PV 1.086446; sigmas EV 0.19993, AV 0.22684, GRR 0.30237, PV 1.04233,
    # TV 1.08530; %study var GRR 27.86, %contribution GRR 7.76, part 92.24; ndc 4.
    # Without the interaction, repeatability has 18 + 60 = 78 DF and MS 0.0400.
    # Tolerance: half a unit in the last printed digit; one unit for PV's variance,
    # which the manual prints as 1.086446 (1.0864466 unrounded).
    result = anova(grr_study(aiag))
    details = result.anova
    assert details is not None
    assert details.alpha == 0.25
    assert details.interaction_pooled is True
    assert details.var_repeatability == pytest.approx(0.039973, abs=5e-7)
    assert details.var_appraiser == pytest.approx(0.051455, abs=5e-7)
    assert details.var_interaction == 0.0
    assert details.var_part == pytest.approx(1.086446, abs=1e-6)
    assert result.ev == pytest.approx(0.19993, abs=5e-6)
    assert result.av == pytest.approx(0.22684, abs=5e-6)
    assert result.interaction == 0.0
    assert result.grr == pytest.approx(0.30237, abs=5e-6)
    assert result.pv == pytest.approx(1.04233, abs=5e-6)
    assert result.tv == pytest.approx(1.08530, abs=5e-6)
    assert result.pct_grr == pytest.approx(27.86, abs=5e-3)
    assert result.pct_contribution.grr == pytest.approx(7.76, abs=5e-3)
    assert result.pct_contribution.pv == pytest.approx(92.24, abs=5e-3)
    assert result.ndc == 4
    assert result.verdict == "conditionally acceptable"
    assert any("ndc = 4 is below 5" in note for note in result.notes)
    assert details.reduced_table is not None
    reduced = _rows(details.reduced_table)
    pooled = reduced["repeatability"]
    assert pooled.df == 78
    assert pooled.ss == pytest.approx(0.3590 + 2.7589, abs=1e-4)
    assert pooled.ms == pytest.approx(0.0400, abs=5e-5)
    assert reduced["part"].f == pytest.approx(reduced["part"].ms / pooled.ms, rel=1e-12)


def test_aiag_tolerance_of_8(aiag: list[Row]) -> None:
    # Minitab's example enters a tolerance of 8; %tolerance = 6 sigma / 8 x 100, so
    # GRR 0.30237 (above) is 6 x 0.30237 / 8 = 22.68 % of it.
    result = anova(grr_study(aiag), tolerance=8.0)
    assert result.pct_tolerance is not None
    assert result.pct_tolerance.grr == pytest.approx(600 * result.grr / 8.0, rel=1e-12)
    assert result.pct_tolerance.grr == pytest.approx(22.68, abs=5e-3)


def test_montgomery_full_model(montgomery: list[Row]) -> None:
    # Montgomery, DOE Example 13.1, Table 13.2 (Minitab balanced ANOVA): part SS 1185.425
    # MS 62.391 F 87.65; operator SS 2.617 MS 1.308 F 1.84 P 0.173; part*operator SS
    # 27.050 MS 0.712 F 0.72 P 0.861; error SS 59.500 MS 0.992; total 1274.592.
    # Variance components 10.2798, 0.0149, -0.1399 (set to 0 here), 0.9917.
    # alpha = 0.9 keeps the interaction in the model (p = 0.861 < 0.9).
    # Tolerance: half a unit in the last printed digit.
    result = anova(grr_study(montgomery), alpha=0.9)
    details = result.anova
    assert details is not None and details.interaction_pooled is False
    assert details.reduced_table is None
    table = _rows(details.table)
    assert table["part"].ss == pytest.approx(1185.425, abs=5e-4)
    assert table["part"].ms == pytest.approx(62.391, abs=5e-4)
    assert table["part"].f == pytest.approx(87.65, abs=5e-3)
    assert table["appraiser"].ss == pytest.approx(2.617, abs=5e-4)
    assert table["appraiser"].f == pytest.approx(1.84, abs=5e-3)
    assert table["appraiser"].p == pytest.approx(0.173, abs=5e-4)
    assert table["part x appraiser"].ss == pytest.approx(27.050, abs=5e-4)
    assert table["part x appraiser"].f == pytest.approx(0.72, abs=5e-3)
    assert table["part x appraiser"].p == pytest.approx(0.861, abs=5e-4)
    assert table["repeatability"].ms == pytest.approx(0.992, abs=5e-4)
    assert table["total"].ss == pytest.approx(1274.592, abs=5e-4)
    assert details.var_part == pytest.approx(10.2798, abs=5e-5)
    assert details.var_appraiser == pytest.approx(0.0149, abs=5e-5)
    assert details.var_interaction == 0.0  # Montgomery's -0.1399, set to 0
    assert details.var_repeatability == pytest.approx(0.9917, abs=5e-5)
    assert any("negative variance estimate set to 0: interaction" in n for n in result.notes)
    assert result.grr == pytest.approx(math.sqrt(0.9917 + 0.0149), abs=1e-4)


def test_montgomery_reduced_model(montgomery: list[Row]) -> None:
    # Montgomery, Table 13.3 (reduced model): part F 70.64; operator F 1.48 P 0.232;
    # error DF 98 SS 86.550 MS 0.883; components 10.2513, 0.0106, 0.8832; gauge
    # variance 0.8832 + 0.0106 (the text's 0.8908 adds the rounded 0.88 and 0.0108).
    # Tolerance: half a unit in the last printed digit.
    result = anova(grr_study(montgomery))
    details = result.anova
    assert details is not None and details.interaction_pooled is True
    assert details.reduced_table is not None
    reduced = _rows(details.reduced_table)
    assert reduced["part"].f == pytest.approx(70.64, abs=5e-3)
    assert reduced["appraiser"].f == pytest.approx(1.48, abs=5e-3)
    assert reduced["appraiser"].p == pytest.approx(0.232, abs=5e-4)
    assert reduced["repeatability"].df == 98
    assert reduced["repeatability"].ss == pytest.approx(86.550, abs=5e-4)
    assert details.var_part == pytest.approx(10.2513, abs=5e-5)
    assert details.var_appraiser == pytest.approx(0.0106, abs=5e-5)
    assert details.var_repeatability == pytest.approx(0.8832, abs=5e-5)
    assert result.grr**2 == pytest.approx(0.8832 + 0.0106, abs=1e-4)


def test_significant_interaction_stays_in_gauge_variation() -> None:
    # A designed interaction: appraiser B reads parts 1 and 2 swapped by +-1 while the
    # repeats differ by +-0.05. Every component follows the expected mean squares.
    rows = []
    for part, base in (("1", 10.0), ("2", 11.0), ("3", 12.0)):
        for appraiser in ("A", "B"):
            shift = {"1": 1.0, "2": -1.0, "3": 0.0}[part] if appraiser == "B" else 0.0
            for trial, noise in (("1", 0.05), ("2", -0.05)):
                rows.append((part, appraiser, trial, base + shift + noise))
    result = anova(grr_study(rows))
    details = result.anova
    assert details is not None and details.interaction_pooled is False
    assert details.interaction_p < 0.001
    table = _rows(details.table)
    ms_e = table["repeatability"].ms
    ms_pa = table["part x appraiser"].ms
    assert details.var_repeatability == pytest.approx(ms_e)
    assert details.var_interaction == pytest.approx((ms_pa - ms_e) / 2)
    assert result.interaction == pytest.approx(math.sqrt((ms_pa - ms_e) / 2))
    assert result.grr == pytest.approx(
        math.sqrt(result.ev**2 + result.av**2 + result.interaction**2)
    )
    assert result.reproducibility == pytest.approx(math.hypot(result.av, result.interaction))
    assert any("is significant" in note for note in result.notes)


def test_alpha_decides_the_pooling(aiag: list[Row]) -> None:
    study = grr_study(aiag)
    assert gauge_rr(study, "anova", alpha=0.25).anova.interaction_pooled is True  # type: ignore[union-attr]
    kept = gauge_rr(study, "anova", alpha=0.99)
    assert kept.anova is not None and kept.anova.interaction_pooled is False
    assert kept.anova.alpha == 0.99
    # Unpooled, EV is the plain repeatability mean square 0.04598 (AIAG table).
    assert kept.ev == pytest.approx(math.sqrt(0.04598), abs=1e-5)


def test_to_dict_is_json_ready(aiag: list[Row]) -> None:
    import json

    out = json.loads(json.dumps(anova(grr_study(aiag), tolerance=8.0).to_dict(), allow_nan=False))
    assert out["method"] == "anova"
    assert out["pct_grr"] == pytest.approx(27.86, abs=5e-3)
    assert out["anova"]["interaction_pooled"] is True
    assert [row["source"] for row in out["anova"]["table"]] == [
        "part", "appraiser", "part x appraiser", "repeatability", "total"
    ]  # fmt: skip
