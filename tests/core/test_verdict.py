"""Plausibility messages and limits in the words an operator reads: 1000×, never 1e+03×."""

from __future__ import annotations

import pytest

from core.verdict import Spec, limits, plausibility_problem, times

BLANK = Spec(nominal=155.0, lsl=154.5, usl=155.5, unit="mm")
RA = Spec(nominal=0.4, lsl=None, usl=0.8, unit="um")


@pytest.mark.parametrize(
    ("ratio", "said"),
    [
        (1000.0, "1000"),
        (1000.0000000000001, "1000"),
        (1234.56, "1235"),
        (150.4, "150"),
        (99.96, "100"),
        (12.5, "12.5"),
        (10.0, "10"),
        (12.3456, "12.3"),
        (0.1, "0.1"),
        (0.0125, "0.0125"),
        (0.001, "0.001"),
        (0.000123456, "0.000123"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
    ],
)
def test_ratios_are_written_as_people_write_them(ratio: float, said: str) -> None:
    assert times(ratio) == said
    assert "e" not in times(ratio)


@pytest.mark.parametrize(
    ("value", "spec", "said"),
    [
        (155000.0, BLANK, "155000 is 1000× the nominal 155 mm"),
        (0.155, BLANK, "0.155 is 0.001× the nominal 155 mm"),
        (1937.5, BLANK, "1937.5 is 12.5× the nominal 155 mm"),
        (1550000.0, BLANK, "1550000 is 10000× the nominal 155 mm"),
        (4.0, RA, "4 is 10× the nominal 0.4 um"),
        (0.0004, RA, "0.0004 is 0.001× the nominal 0.4 um"),
    ],
)
def test_a_slipped_decimal_is_named_without_exponents(value: float, spec: Spec, said: str) -> None:
    assert plausibility_problem(value, spec) == said


def test_far_outside_names_the_limits_as_written() -> None:
    tight = Spec(nominal=None, lsl=-0.01, usl=0.01, unit="mm")  # no nominal to compare against
    assert plausibility_problem(5.0, tight) == "5 is far outside -0.01 … 0.01 mm"
    assert plausibility_problem(155.2, BLANK) is None


def test_limits_show_only_the_limits_that_exist() -> None:
    assert limits(Spec(nominal=12.0, lsl=11.98, usl=12.02, unit="mm")) == "11.98 … 12.02 mm"
    assert limits(RA) == "≤ 0.8 um"
    assert limits(Spec(nominal=None, lsl=2.5, usl=None, unit="Nm")) == "≥ 2.5 Nm"
    assert limits(Spec(nominal=None, lsl=None, usl=None, unit="mm")) == "no limits"
