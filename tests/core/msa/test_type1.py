"""Type 1 gauge study: Cg, Cgk and the bias t-test against a published example."""

from __future__ import annotations

import math

import pytest

from core.msa import MsaError, type1_study


def test_jasp_type1_example(type1_measurements: list[float]) -> None:
    # JASP quality-control module, type 1 gauge study test (jasp-stats/jaspQualityControl,
    # tests/testthat/test-msaType1Gauge.R) on its Type1.csv data, reference -4, tolerance 15:
    # mean -3.946, s 0.420014577006512, bias 0.054, t 0.909105737620188,
    # p 0.367744349288335, Cg 1.19, Cgk 1.15, %Var(repeatability) 16.8,
    # %Var(repeatability and bias) 17.43. Tolerance: 1e-9 for the unrounded figures,
    # half a unit in the last digit for the rounded ones.
    result = type1_study(type1_measurements, reference=-4.0, tolerance=15.0)
    assert result.n == 50
    assert result.mean == pytest.approx(-3.946, abs=1e-9)
    assert result.std == pytest.approx(0.420014577006512, abs=1e-9)
    assert result.bias == pytest.approx(0.054, abs=1e-9)
    assert result.t_statistic == pytest.approx(0.909105737620188, abs=1e-9)
    assert result.p_value == pytest.approx(0.367744349288335, abs=1e-9)
    assert result.cg == pytest.approx(1.19, abs=5e-3)
    assert result.cgk == pytest.approx(1.15, abs=5e-3)
    assert result.pct_var_repeatability == pytest.approx(16.8, abs=5e-2)
    assert result.pct_var_repeatability_bias == pytest.approx(17.43, abs=5e-3)
    assert result.bias_significant is False
    assert result.capable is False  # both indices below 1.33


def test_formulas_and_parameters(type1_measurements: list[float]) -> None:
    # Cg = (K/100 T)/(L s), Cgk = (K/200 T - |bias|)/(L/2 s), with K and L as parameters.
    result = type1_study(
        type1_measurements, reference=-4.0, tolerance=30.0, percent_of_tolerance=15, spread=4
    )
    s = result.std
    assert result.cg == pytest.approx(0.15 * 30 / (4 * s), rel=1e-12)
    assert result.cgk == pytest.approx((0.075 * 30 - 0.054) / (2 * s), rel=1e-12)
    assert result.capable is True
    assert (result.percent_of_tolerance, result.spread) == (15.0, 4.0)


def test_a_large_bias_is_significant_and_makes_cgk_negative() -> None:
    values = [10.1 + 0.01 * (i % 5) for i in range(30)]
    result = type1_study(values, reference=10.0, tolerance=0.5)
    assert result.bias == pytest.approx(0.12, abs=1e-9)
    assert result.p_value < 1e-10 and result.bias_significant
    assert result.cgk < 0 and result.pct_var_repeatability_bias is None
    assert any("significant" in note for note in result.notes)


def test_few_measurements_get_a_note() -> None:
    result = type1_study([1.0, 1.1, 0.9, 1.05], reference=1.0, tolerance=10.0)
    assert any("only 4 measurements" in note for note in result.notes)


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1.0], {}, "at least 25"),
        ([1.0, 1.0, 1.0], {}, "all 3 measurements are the same"),
        ([1.0, math.nan, 1.1], {}, "measurement 2 is not a finite number"),
        ([[1.0, 2.0]], {}, "one series"),
        (["a", "b"], {}, "numeric"),
        ([1.0, 1.1], {"tolerance": 0.0}, "tolerance"),
        ([1.0, 1.1], {"reference": math.inf}, "reference value must be a finite number"),
        ([1.0, 1.1], {"percent_of_tolerance": 120.0}, "at most 100"),
        ([1.0, 1.1], {"spread": -6.0}, "L, the number of standard deviations"),
        ([1.0, 1.1], {"alpha": 1.5}, "alpha"),
    ],
)
def test_bad_type1_input(values: list[object], kwargs: dict[str, float], message: str) -> None:
    options: dict[str, float] = {"reference": 1.0, "tolerance": 1.0, **kwargs}
    with pytest.raises(MsaError, match=message):
        type1_study(values, **options)  # type: ignore[arg-type]
