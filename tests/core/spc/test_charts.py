"""Chart limits against published reference values (qcc outputs, Montgomery examples).

qcc figures are from the qcc 3.0 vignette "A quick tour of qcc" (luca-scr/qcc,
docs/articles/qcc.html), computed on the data in conftest.py. qcc 3.0 uses
d2 rounded to 3 decimals (2.326, 1.128) where this module uses d2 to 6
decimals; the tolerances below allow for that and say so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.spc import (
    baseline_limits,
    count_data,
    measurement_data,
    monitor,
    phase_one,
    plot,
    rule_set,
    standard_limits,
)


def test_xbar_r_pistonrings_phase_one(pistonrings: np.ndarray) -> None:
    data = measurement_data("xbar-r", pistonrings[:25])
    chart = plot(baseline_limits(data), data)
    xbar, r = chart.part("xbar"), chart.part("r")
    # Montgomery Example 6.1: x-double-bar = 74.001, R-bar = 0.023, limits 73.988 / 74.014.
    assert xbar.center == pytest.approx(74.001, abs=0.0005)
    assert r.center == pytest.approx(0.023, abs=0.0005)
    # qcc: centre 74.00118, R centre 0.02276, LCL 73.98805, UCL 74.0143, R UCL 0.04812533.
    # Tolerance 2e-5: qcc prints 7 significant digits and uses d2 = 2.326.
    assert xbar.center == pytest.approx(74.00118, abs=2e-5)
    assert r.center == pytest.approx(0.02276, abs=1e-9)
    assert xbar.lcl[0] == pytest.approx(73.98805, abs=2e-5)
    assert xbar.ucl[0] == pytest.approx(74.0143, abs=2e-5)
    assert r.lcl[0] == 0.0
    assert r.ucl[0] == pytest.approx(0.04812533, abs=2e-6)
    # qcc sigma 0.009785039 = 0.02276/2.326; ours divides by d2 = 2.325929 (relative 3e-5).
    assert chart.limits.sigma == pytest.approx(0.009785039, rel=5e-5)
    assert chart.part("xbar").beyond_limits().size == 0
    assert chart.part("r").beyond_limits().size == 0


def test_xbar_s_pistonrings_phase_one(pistonrings: np.ndarray) -> None:
    data = measurement_data("xbar-s", pistonrings[:25])
    chart = plot(baseline_limits(data), data)
    xbar, s = chart.part("xbar"), chart.part("s")
    # qcc S chart: centre 0.009240037, LCL 0, UCL 0.01930242 (tolerance: printed digits).
    assert s.center == pytest.approx(0.009240037, abs=1e-9)
    assert s.lcl[0] == 0.0
    assert s.ucl[0] == pytest.approx(0.01930242, abs=1e-8)
    # Montgomery Example 6.3: s-bar = 0.0094, x-bar limits 73.988 / 74.014 (3 decimals).
    assert xbar.lcl[0] == pytest.approx(73.988, abs=0.0005)
    assert xbar.ucl[0] == pytest.approx(74.014, abs=0.0005)
    # sigma = s-bar / c4(5) (derived).
    assert chart.limits.sigma == pytest.approx(0.009240037 / 0.939986, rel=1e-6)


def test_xbar_r_pistonrings_phase_two_flags_samples_37_to_39(pistonrings: np.ndarray) -> None:
    limits = baseline_limits(measurement_data("xbar-r", pistonrings[:25]))
    result = monitor(limits, measurement_data("xbar-r", pistonrings[25:]), rule_set("we"))
    # Derived from the qcc data: sample means of 37, 38, 39 are 74.0166, 74.0196, 74.0234,
    # above the phase I UCL 74.0143 (phase II rows 11, 12, 13).
    beyond = [v.index for v in result.for_part("xbar") if v.rule == "we-1"]
    assert beyond == [11, 12, 13]
    assert result.chart.part("xbar").values[13] == pytest.approx(74.0234, abs=1e-9)


def test_imr_viscosity(viscosity: list[float]) -> None:
    data = measurement_data("imr", viscosity[:20])
    result = phase_one(data)
    first, second = result.iterations
    chart = plot(first.limits, data)
    # qcc xbar.one: centre 34.088, sigma 0.5076521 (MR-bar / 1.128), limits 32.56504 / 35.61096.
    # qcc divides by 1.128, we by 1.128379: relative 3.4e-4, so limits agree within 1e-3.
    assert first.limits.center == pytest.approx(34.088, abs=1e-9)
    assert first.limits.sigma == pytest.approx(0.5076521, rel=4e-4)
    assert chart.part("i").lcl[0] == pytest.approx(32.56504, abs=1e-3)
    assert chart.part("i").ucl[0] == pytest.approx(35.61096, abs=1e-3)
    # qcc: batch 4 is beyond (temperature controller failure); removed, the limits become
    # centre 33.98947, sigma 0.4117415, limits 32.75425 / 35.2247 (same d2 tolerance).
    assert first.beyond == (3,)
    assert second.limits.center == pytest.approx(33.98947, abs=1e-5)
    assert second.limits.sigma == pytest.approx(0.4117415, rel=4e-4)
    revised = plot(second.limits, data).part("i")
    assert revised.lcl[0] == pytest.approx(32.75425, abs=1e-3)
    assert revised.ucl[0] == pytest.approx(35.2247, abs=1e-3)
    assert result.converged and result.excluded == (3,)
    # MR chart: UCL = D4(2) MR-bar = 3.267 MR-bar, first point has no moving range (derived).
    mr = chart.part("mr")
    assert math.isnan(mr.values[0])
    mr_bar = float(np.mean(np.abs(np.diff(viscosity[:20]))))
    assert mr.ucl[0] == pytest.approx(3.267 * mr_bar, rel=5e-4)  # App. VI D4(2) = 3.267


def test_p_chart_orangejuice_iterative_phase_one(orangejuice: list[int]) -> None:
    data = count_data("p", orangejuice[:30], [50] * 30)
    result = phase_one(data)
    first, second, third = result.iterations
    p1 = plot(first.limits, data).part("p")
    # qcc / Montgomery Example 7.1: p-bar 0.2313333, LCL 0.05242755, UCL 0.4102391;
    # samples 15 and 23 are beyond the UCL. Tolerance: printed digits.
    assert first.limits.center == pytest.approx(0.2313333, abs=1e-7)
    assert p1.lcl[0] == pytest.approx(0.05242755, abs=1e-8)
    assert p1.ucl[0] == pytest.approx(0.4102391, abs=1e-7)
    assert first.beyond == (14, 22)
    # qcc after removing 15 and 23: p-bar 0.215, LCL 0.04070284, UCL 0.3892972.
    p2 = plot(second.limits, data).part("p")
    assert second.limits.center == pytest.approx(0.215, abs=1e-12)
    assert p2.lcl[0] == pytest.approx(0.04070284, abs=1e-8)
    assert p2.ucl[0] == pytest.approx(0.3892972, abs=1e-7)
    # Montgomery notes sample 21 (p = 0.40) is above the revised UCL; he keeps it because no
    # assignable cause was found. Automatic iteration excludes it (derived: p-bar 281/1350).
    assert second.beyond == (20,)
    assert third.beyond == ()
    assert third.limits.center == pytest.approx(281 / 1350)
    assert result.excluded == (14, 20, 22) and result.converged
    # Stopping after one revision reproduces the textbook's revised limits.
    once = phase_one(data, max_iterations=2)
    assert once.limits.center == pytest.approx(0.215) and not once.converged


def test_np_chart_orangejuice(orangejuice: list[int]) -> None:
    data = count_data("np", orangejuice[:30], [50] * 30)
    part = plot(baseline_limits(data), data).part("np")
    # qcc np chart: centre 11.56667, LCL 2.621377, UCL 20.51196 (printed digits).
    assert part.center == pytest.approx(11.56667, abs=1e-5)
    assert part.lcl[0] == pytest.approx(2.621377, abs=1e-6)
    assert part.ucl[0] == pytest.approx(20.51196, abs=1e-5)


def test_c_chart_circuit(circuit: list[int]) -> None:
    data = count_data("c", circuit[:26])
    result = phase_one(data)
    first, second = result.iterations
    c1 = plot(first.limits, data).part("c")
    # qcc / Montgomery Example 7.3: c-bar 19.84615, LCL 6.481447, UCL 33.21086;
    # samples 6 and 20 are out of control.
    assert first.limits.center == pytest.approx(19.84615, abs=1e-5)
    assert c1.lcl[0] == pytest.approx(6.481447, abs=1e-6)
    assert c1.ucl[0] == pytest.approx(33.21086, abs=1e-5)
    assert first.beyond == (5, 19)
    # qcc after removing 6 and 20: c-bar 19.66667, LCL 6.362532, UCL 32.9708.
    c2 = plot(second.limits, data).part("c")
    assert second.limits.center == pytest.approx(19.66667, abs=1e-5)
    assert c2.lcl[0] == pytest.approx(6.362532, abs=1e-6)
    assert c2.ucl[0] == pytest.approx(32.9708, abs=1e-4)
    assert result.converged


def test_u_chart_circuit_per_board(circuit: list[int]) -> None:
    keep = [i for i in range(26) if i not in (5, 19)]
    data = count_data("u", [circuit[i] for i in keep], [100] * len(keep))
    part = plot(baseline_limits(data), data).part("u")
    # qcc u chart on circuit without samples 6 and 20: 0.1966667, 0.06362532, 0.329708.
    assert part.center == pytest.approx(0.1966667, abs=1e-7)
    assert part.lcl[0] == pytest.approx(0.06362532, abs=1e-8)
    assert part.ucl[0] == pytest.approx(0.329708, abs=1e-6)


def test_u_chart_pcmanufact(pcmanufact: list[int]) -> None:
    data = count_data("u", pcmanufact, [5] * 20)
    part = plot(baseline_limits(data), data).part("u")
    # qcc / Montgomery Example 7.5: u-bar 1.93, LCL 0.06613305, UCL 3.793867.
    assert part.center == pytest.approx(1.93, abs=1e-12)
    assert part.lcl[0] == pytest.approx(0.06613305, abs=1e-8)
    assert part.ucl[0] == pytest.approx(3.793867, abs=1e-6)
    assert part.beyond_limits().size == 0


def test_p_chart_with_varying_sample_sizes_has_limits_per_point() -> None:
    # Derived: p-bar = 35/175 = 0.2; sigma_i = sqrt(0.16/n_i) = 0.08, 0.0566, 0.04.
    data = count_data("p", [5, 10, 20], [25, 50, 100])
    part = plot(baseline_limits(data), data).part("p")
    assert part.center == pytest.approx(0.2)
    assert part.limits_vary
    assert part.lcl.tolist() == pytest.approx([0.0, 0.2 - 3 * math.sqrt(0.16 / 50), 0.08])
    assert part.ucl.tolist() == pytest.approx([0.44, 0.2 + 3 * math.sqrt(0.16 / 50), 0.32])
    assert part.values.tolist() == pytest.approx([0.2, 0.2, 0.2])


def test_u_chart_with_varying_sizes() -> None:
    # Derived: u-bar = 12/6 = 2; limits 2 +/- 3 sqrt(2/n).
    data = count_data("u", [2, 4, 6], [1, 2, 3])
    part = plot(baseline_limits(data), data).part("u")
    assert part.center == pytest.approx(2.0)
    assert part.ucl.tolist() == pytest.approx([2 + 3 * math.sqrt(2 / n) for n in (1, 2, 3)])
    assert part.lcl.tolist() == pytest.approx([0.0, 0.0, max(0.0, 2 - 3 * math.sqrt(2 / 3))])


def test_standard_limits_use_the_standard_formulas() -> None:
    x = np.array([[74.0, 74.01, 73.99, 74.0, 74.0]])
    chart = plot(standard_limits("xbar-r", center=74.0, sigma=0.01, subgroup_size=5),
                 measurement_data("xbar-r", x))  # fmt: skip
    # X-bar: mu +/- A sigma with A = 1.342 (Montgomery App. VI), R: D1 = 0, D2 = 4.918, d2 = 2.326.
    assert chart.part("xbar").ucl[0] == pytest.approx(74.0 + 1.342 * 0.01, abs=5e-6)
    assert chart.part("r").center == pytest.approx(2.326 * 0.01, abs=5e-6)
    assert chart.part("r").ucl[0] == pytest.approx(4.918 * 0.01, abs=5e-6)
    assert chart.part("r").lcl[0] == 0.0
    s_chart = plot(standard_limits("xbar-s", center=74.0, sigma=0.01, subgroup_size=5),
                   measurement_data("xbar-s", x))  # fmt: skip
    # S: centre c4 sigma, limits B5 sigma = 0, B6 sigma = 1.964 sigma (App. VI).
    assert s_chart.part("s").center == pytest.approx(0.9400 * 0.01, abs=5e-7)
    assert s_chart.part("s").ucl[0] == pytest.approx(1.964 * 0.01, abs=5e-6)
    # n = 10: D1 = 0.687 > 0, so the R chart has a lower limit (App. VI, 1 unit of last digit).
    ten = plot(standard_limits("xbar-r", center=0.0, sigma=1.0, subgroup_size=10),
               measurement_data("xbar-r", np.arange(10.0).reshape(1, 10)))  # fmt: skip
    assert ten.part("r").lcl[0] == pytest.approx(0.687, abs=0.001)
    assert ten.part("r").ucl[0] == pytest.approx(5.469, abs=0.001)


def test_standard_attribute_limits() -> None:
    # Derived: p0 = 0.1, n = 100 -> 0.1 +/- 0.09; c0 = 4 -> LCL max(0, 4 - 6) = 0, UCL 10.
    p = plot(standard_limits("p", center=0.1), count_data("p", [10], [100])).part("p")
    assert (p.lcl[0], p.ucl[0]) == pytest.approx((0.01, 0.19))
    c = plot(standard_limits("c", center=4.0), count_data("c", [3])).part("c")
    assert (c.lcl[0], c.ucl[0]) == (0.0, 10.0)
    np_part = plot(standard_limits("np", center=0.1, subgroup_size=100),
                   count_data("np", [10], [100])).part("np")  # fmt: skip
    assert (np_part.center, np_part.lcl[0], np_part.ucl[0]) == pytest.approx((10.0, 1.0, 19.0))
