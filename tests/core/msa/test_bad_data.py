"""Degenerate gauge R&R studies give one clear MsaError naming what is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.msa import (
    MsaError,
    anova,
    average_and_range,
    gauge_rr,
    grr_study,
    grr_study_from_array,
)

Row = tuple[str, str, str, float]


def _grid(parts: int = 3, appraisers: int = 2, trials: int = 2) -> list[Row]:
    return [
        (str(p + 1), "ABC"[a], str(t + 1), 10.0 + p + 0.1 * a + 0.01 * t * (p + 1))
        for p in range(parts)
        for a in range(appraisers)
        for t in range(trials)
    ]


def test_a_small_grid_is_a_valid_study() -> None:
    study = grr_study(_grid())
    assert study.shape == (3, 2, 2)
    assert study.parts == ("1", "2", "3") and study.appraisers == ("A", "B")
    assert not study.values.flags.writeable


def test_one_appraiser() -> None:
    with pytest.raises(MsaError, match="at least 2 appraisers .* only appraiser A measured"):
        grr_study(_grid(appraisers=1))


def test_one_part() -> None:
    with pytest.raises(MsaError, match="at least 2 parts; only part 1 was measured"):
        grr_study(_grid(parts=1))


def test_one_trial() -> None:
    with pytest.raises(MsaError, match="only once: repeatability .* at least 2 trials"):
        grr_study(_grid(trials=1))


def test_a_part_one_appraiser_never_measured() -> None:
    rows = [r for r in _grid() if not (r[0] == "2" and r[1] == "B")]
    with pytest.raises(MsaError, match="part 2 was not measured by appraiser B"):
        grr_study(rows)


def test_a_missing_trial_is_named() -> None:
    rows = [r for r in _grid(trials=3) if r[:3] != ("3", "A", "2")]
    with pytest.raises(MsaError, match="part 3, appraiser A, trial 2 is missing"):
        grr_study(rows)


def test_unbalanced_repeats() -> None:
    rows = [*_grid(), ("1", "B", "3", 10.2)]
    with pytest.raises(
        MsaError, match="unbalanced repeats: part 1, appraiser B has trials 1, 2, 3"
    ):
        grr_study(rows)


def test_a_measurement_recorded_twice() -> None:
    rows = [*_grid(), ("2", "A", "1", 11.0)]
    with pytest.raises(MsaError, match=r"part 2, appraiser A, trial 1 is recorded twice \(row 5 "):
        grr_study(rows)


def test_rows_can_be_named_by_the_caller() -> None:
    rows = [*_grid(), ("2", "A", "1", 11.0)]
    names = [f"line {i + 2}" for i in range(len(rows))]
    with pytest.raises(MsaError, match=r"recorded twice \(line 6 and line 14\)"):
        grr_study(rows, row_names=names)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("1.5", r"row 4 \(part 2, appraiser B, trial 2\): value '1.5' is not a number"),
        (None, r"row 4 .*value None is not a number"),
        (True, r"row 4 .*value True is not a number"),
        (math.nan, r"row 4 \(part 2, appraiser B, trial 2\): value nan is not a finite number"),
        (math.inf, r"row 4 .*value inf is not a finite number"),
    ],
)
def test_non_numeric_or_non_finite_values_name_the_row(bad: object, message: str) -> None:
    rows: list[tuple[object, ...]] = list(_grid())
    rows[3] = ("2", "B", "2", bad)
    with pytest.raises(MsaError, match=message):
        grr_study(rows)  # type: ignore[arg-type]


def test_blank_labels_and_malformed_rows_name_the_row() -> None:
    rows: list[tuple[object, ...]] = list(_grid())
    rows[2] = ("  ", "A", "1", 1.0)
    with pytest.raises(MsaError, match="row 3: the part is blank"):
        grr_study(rows)  # type: ignore[arg-type]
    rows[2] = ("1", "A", 1.0)
    with pytest.raises(MsaError, match=r"row 3: expected \(part, appraiser, trial, value\)"):
        grr_study(rows)  # type: ignore[arg-type]


def test_no_rows() -> None:
    with pytest.raises(MsaError, match="no measurements"):
        grr_study([])


def test_zero_total_variation() -> None:
    rows = [(p, a, t, 5.0) for p, a, t, _ in _grid()]
    with pytest.raises(MsaError, match=r"every measurement is the same \(5\)"):
        grr_study(rows)


def test_no_variation_between_cells_of_equal_averages() -> None:
    # Every cell is constant and parts and appraisers average the same: TV = 0 for the
    # average-and-range method even though the values differ (pure interaction).
    rows = [
        (p, a, t, v)
        for (p, a), v in {
            ("1", "A"): 1.0,
            ("1", "B"): 2.0,
            ("2", "A"): 2.0,
            ("2", "B"): 1.0,
        }.items()
        for t in ("1", "2")
    ]
    with pytest.raises(MsaError, match="TV = 0"):
        average_and_range(grr_study(rows))


def test_study_from_an_array() -> None:
    study = grr_study_from_array(np.arange(12, dtype=float).reshape(3, 2, 2))
    assert study.shape == (3, 2, 2) and study.trials == ("1", "2")
    with pytest.raises(MsaError, match="3 dimensions"):
        grr_study_from_array(np.zeros((3, 2)))
    with pytest.raises(MsaError, match="numbers"):
        grr_study_from_array([[["a"]]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "xbar"}, "unknown gauge R&R method 'xbar'"),
        ({"tolerance": 0.0}, "tolerance .* positive"),
        ({"tolerance": math.nan}, "tolerance .* positive"),
        ({"multiplier": 0.0}, "multiplier must be positive"),
        ({"verdict_on": "parts"}, "unknown verdict basis 'parts'"),
        ({"verdict_on": "tolerance"}, "needs the tolerance"),
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"alpha": 1.0}, "alpha must be between 0 and 1"),
    ],
)
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MsaError, match=message):
        gauge_rr(grr_study(_grid()), **kwargs)  # type: ignore[arg-type]


def test_too_many_trials_for_range_constants() -> None:
    rows = _grid(trials=26)
    with pytest.raises(MsaError, match="26 trials .* use the ANOVA method"):
        average_and_range(grr_study(rows))
    assert anova(grr_study(rows)).trials == 26


def test_zero_repeatability_leaves_ndc_undefined() -> None:
    # Repeats agree exactly and appraisers agree: GRR = 0, ndc has no meaning.
    rows = [(str(p), a, t, float(p)) for p in (1, 2, 3) for a in ("A", "B") for t in ("1", "2")]
    result = average_and_range(grr_study(rows))
    assert result.grr == 0.0 and result.ndc is None and result.verdict == "acceptable"
    assert any("ndc is undefined" in note for note in result.notes)
    result = anova(grr_study(rows))
    assert result.grr == 0.0 and result.ndc is None
    assert result.anova is not None and result.anova.table[2].f is None
