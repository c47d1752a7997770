"""Numbers and limits as an operator reads them."""

from __future__ import annotations

import math

import pytest

from core.verdict import Spec
from screens.numbers import limits, plain, plain_text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1000.0, "1000"),
        (1e6, "1000000"),
        (1234567.0, "1234567"),
        (155.5, "155.5"),
        (0.0125, "0.0125"),
        (12.0, "12"),
        (-0.0, "0"),
        (-3.25, "-3.25"),
        (1e-9, "0"),
        (math.inf, "∞"),
    ],
)
def test_plain_numbers_never_use_exponents(value: float, shown: str) -> None:
    assert plain(value) == shown


def test_exponents_in_sentences_are_written_out() -> None:
    # a ratio formatted with :g (core writes its own ratios out: tests/core/test_verdict.py)
    said = f"155000 is {1000.0:.3g}× the nominal 155 mm"
    assert "e+" in said
    assert plain_text(said) == "155000 is 1000× the nominal 155 mm"
    assert plain_text(f"0.155 is {0.001:.3g}× the nominal") == "0.155 is 0.001× the nominal"
    assert plain_text("Value 1.552e+06 discarded.") == "Value 1552000 discarded."
    # codes that merely contain an e stay as they are
    assert plain_text("lot LOT-2E+03 and DEF-1e+05X") == "lot LOT-2E+03 and DEF-1e+05X"


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        (Spec(nominal=155, lsl=154.5, usl=155.5, unit="mm"), "154.5 … 155.5 mm"),
        (Spec(nominal=None, lsl=None, usl=0.8, unit="mm"), "≤ 0.8 mm"),
        (Spec(nominal=None, lsl=2, usl=None, unit="Nm"), "≥ 2 Nm"),
        (Spec(nominal=None, lsl=None, usl=None, unit="mm"), "no limits"),
        (Spec(nominal=None, lsl=1000000.0, usl=None), "≥ 1000000"),
    ],
)
def test_only_the_limits_that_exist(spec: Spec, shown: str) -> None:
    assert limits(spec) == shown
    assert "None" not in limits(spec) and "∞" not in limits(spec)
