"""Bad data gives a clear SpcError (a ValueError), never a crash or a silent wrong limit."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from core.spc import (
    ControlLimits,
    SpcError,
    baseline_limits,
    count_data,
    freeze,
    measurement_data,
    phase_one,
    plot,
    standard_limits,
)


def test_spc_error_is_a_value_error() -> None:
    assert issubclass(SpcError, ValueError)


@pytest.mark.parametrize(
    ("chart", "values", "match"),
    [
        ("xbar-r", [], "no subgroups"),
        ("imr", [], "no measurements"),
        ("imr", [1.0], "at least 2"),
        ("xbar-r", [[1.0], [2.0]], "too small .* at least 2 measurements"),
        ("xbar-r", [1.0, 2.0, 3.0], "needs subgroups"),
        ("xbar-r", [[1.0, 2.0], [1.0, 2.0, 3.0]], "different sizes"),
        (
            "xbar-r",
            [[1.0, math.nan], [1.0, 2.0]],
            "missing or infinite value \\(nan\\) in subgroup 0",
        ),
        ("imr", [1.0, 2.0, math.inf], "missing or infinite value \\(inf\\) in point 2"),
        ("imr", ["a", "b"], "must be numbers"),
        ("xbar-r", np.zeros((3, 26)), "above 25"),
        ("p", [1.0, 2.0], "plots counts"),
        ("bogus", [1.0], "unknown chart type"),
    ],
)
def test_bad_measurements(chart: str, values: object, match: str) -> None:
    with pytest.raises(SpcError, match=match):
        measurement_data(chart, values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("chart", "counts", "sizes", "match"),
    [
        ("p", [], [], "no samples"),
        ("p", [1, -2], [10, 10], "sample 1 has a negative count"),
        ("c", [1.5, 2], None, "whole numbers"),
        ("p", [3, 12], [10, 10], "12 nonconforming units out of only 10"),
        ("np", [3, 4], [10, 12], "same sample size"),
        ("p", [3, 4], [10, 0], "at least 1 unit"),
        ("p", [3, 4], [10], "one size per sample"),
        ("p", [3, 4], None, "number of units inspected"),
        ("u", [3, math.nan], [1, 1], "missing or infinite"),
        ("c", [3, 4], [1, 2], "use a u chart"),
        ("xbar-r", [1], None, "plots measurements"),
    ],
)
def test_bad_counts(chart: str, counts: list[float], sizes: list[float] | None, match: str) -> None:
    with pytest.raises(SpcError, match=match):
        count_data(chart, counts, sizes)


def test_zero_variation_is_refused_not_charted() -> None:
    with pytest.raises(SpcError, match="zero range"):
        baseline_limits(measurement_data("xbar-r", [[5.0, 5.0], [5.0, 5.0]]))
    with pytest.raises(SpcError, match="zero standard deviation"):
        baseline_limits(measurement_data("xbar-s", [[5.0, 5.0], [5.0, 5.0]]))
    with pytest.raises(SpcError, match="every measurement is the same"):
        baseline_limits(measurement_data("imr", [5.0, 5.0, 5.0]))
    with pytest.raises(SpcError, match="no nonconformities"):
        baseline_limits(count_data("c", [0, 0, 0]))
    with pytest.raises(SpcError, match="no nonconformities"):
        baseline_limits(count_data("p", [0, 0], [10, 10]))
    with pytest.raises(SpcError, match="every unit"):
        baseline_limits(count_data("p", [10, 10], [10, 10]))


def test_limits_and_data_must_fit() -> None:
    limits = baseline_limits(measurement_data("xbar-r", [[1.0, 2.0, 3.0], [2.0, 3.0, 5.0]]))
    with pytest.raises(SpcError, match="subgroups of 3"):
        plot(limits, measurement_data("xbar-r", [[1.0, 2.0]]))
    with pytest.raises(SpcError, match="not xbar-s"):
        plot(limits, measurement_data("xbar-s", [[1.0, 2.0, 3.0]]))
    np_limits = standard_limits("np", center=0.1, subgroup_size=50)
    with pytest.raises(SpcError, match="samples of 50"):
        plot(np_limits, count_data("np", [3], [40]))


@pytest.mark.parametrize(
    ("chart", "kwargs", "match"),
    [
        ("xbar-r", {"center": 1.0, "sigma": 0.0, "subgroup_size": 5}, "positive"),
        ("xbar-r", {"center": 1.0, "sigma": 1.0}, "subgroup size"),
        ("imr", {"center": math.nan, "sigma": 1.0}, "finite"),
        ("p", {"center": 1.2}, "below 1"),
        ("c", {"center": 0.0}, "above 0"),
        ("u", {"center": 2.0, "sigma": 1.0}, "takes no sigma"),
        ("np", {"center": 0.1}, "sample size"),
    ],
)
def test_bad_standards(chart: str, kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(SpcError, match=match):
        standard_limits(chart, **kwargs)


def test_phase_one_cannot_exclude_everything() -> None:
    data = measurement_data("imr", [1.0, 2.0])
    with pytest.raises(SpcError, match="every baseline point is excluded"):
        baseline_limits(data, exclude=(0, 1))
    with pytest.raises(SpcError, match="cannot exclude point 5"):
        baseline_limits(data, exclude=(5,))
    with pytest.raises(SpcError, match="max_iterations"):
        phase_one(data, max_iterations=0)


def test_freeze_needs_who_and_why() -> None:
    draft = standard_limits("c", center=4.0)
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    with pytest.raises(SpcError, match="name of the person"):
        freeze(draft, version=1, approved_by=" ", approved_at=at, reason="study")
    with pytest.raises(SpcError, match="reason"):
        freeze(draft, version=1, approved_by="QE", approved_at=at, reason="")
    with pytest.raises(SpcError, match="starts at 1"):
        freeze(draft, version=0, approved_by="QE", approved_at=at, reason="study")
    with pytest.raises(SpcError, match="malformed"):
        ControlLimits.from_dict({"chart": "c"})
