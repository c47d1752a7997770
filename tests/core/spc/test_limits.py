"""Phase I records, freezing and the plain-data form of ControlLimits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from core.spc import (
    ControlLimits,
    SpcError,
    baseline_limits,
    count_data,
    freeze,
    limit_lines,
    measurement_data,
    phase_one,
    plot,
    standard_limits,
)


def test_freeze_records_who_when_why(orangejuice: list[int]) -> None:
    draft = phase_one(count_data("p", orangejuice[:30], [50] * 30)).limits
    assert not draft.frozen and draft.version == 0
    at = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    frozen = freeze(draft, version=1, approved_by="A. Quality", approved_at=at,
                    reason="initial capability study, line 3")  # fmt: skip
    assert frozen.frozen
    assert (frozen.version, frozen.approved_by, frozen.approved_at) == (1, "A. Quality", at)
    assert frozen.excluded == (14, 20, 22) and frozen.baseline_points == 27
    assert frozen.center == draft.center


def test_limits_round_trip_through_json(pistonrings: np.ndarray) -> None:
    draft = baseline_limits(measurement_data("xbar-r", pistonrings[:25]), exclude=(2, 7))
    frozen = freeze(draft, version=3, approved_by="QE", reason="new tooling",
                    approved_at=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    again = ControlLimits.from_dict(json.loads(json.dumps(frozen.to_dict())))
    assert again == frozen


def test_phase_one_without_iteration_reports_but_keeps_points(circuit: list[int]) -> None:
    result = phase_one(count_data("c", circuit[:26]), iterate=False)
    assert len(result.iterations) == 1
    assert result.iterations[0].beyond == (5, 19)
    assert result.excluded == () and not result.converged


def test_excluded_points_are_still_plotted(circuit: list[int]) -> None:
    data = count_data("c", circuit[:26])
    result = phase_one(data)
    chart = plot(result.limits, data)
    assert chart.part("c").values.size == 26
    assert chart.part("c").beyond_limits().tolist() == [5, 19]


def test_chart_part_lookup(pistonrings: np.ndarray) -> None:
    chart = plot(*(lambda d: (baseline_limits(d), d))(measurement_data("xbar-s", pistonrings[:25])))
    assert [p.part for p in chart.parts] == ["xbar", "s"]
    with pytest.raises(KeyError):
        chart.part("r")
    assert not chart.part("xbar").values.flags.writeable


def test_limit_lines_for_drawing_before_data(pistonrings: np.ndarray) -> None:
    data = measurement_data("xbar-r", pistonrings[:25])
    limits = baseline_limits(data)
    chart = plot(limits, data)
    lines = {line.part: line for line in limit_lines(limits)}
    for name in ("xbar", "r"):
        part = chart.part(name)
        assert (lines[name].center, lines[name].lcl, lines[name].ucl) == pytest.approx(
            (part.center, part.lcl[0], part.ucl[0])
        )
    (p_line,) = limit_lines(standard_limits("p", center=0.1), size=100)
    assert (p_line.lcl, p_line.ucl) == pytest.approx((0.01, 0.19))  # derived: 0.1 +/- 0.09
    (i_line, mr_line) = limit_lines(standard_limits("imr", center=10.0, sigma=2.0))
    # derived: I 10 +/- 6; MR UCL = D2(2) sigma = 3.686 * 2 (Montgomery App. VI D2 = 3.686)
    assert (i_line.lcl, i_line.ucl) == pytest.approx((4.0, 16.0))
    assert mr_line.ucl == pytest.approx(3.686 * 2, abs=0.001)
    with pytest.raises(SpcError, match="give size"):
        limit_lines(standard_limits("u", center=2.0))
