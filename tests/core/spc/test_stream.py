"""Streaming evaluation equals batch evaluation; state stays bounded; subgroup forming."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.spc import (
    ChartStream,
    RuleSpec,
    RuleStream,
    SpcError,
    SubgroupFormer,
    baseline_limits,
    count_data,
    evaluate,
    measurement_data,
    monitor,
    rule_set,
    standard_limits,
)
from core.spc.rules import RULE_KINDS, STANDARD_RULES

# Half-sigma steps make ties, zeros and exact zone boundaries likely.
coarse = st.integers(-8, 8).map(lambda k: k / 2.0)
point = st.one_of(coarse, coarse, coarse, st.floats(-5, 5), st.just(math.nan))


@st.composite
def rule_specs(draw: st.DrawFn) -> list[RuleSpec]:
    specs = [s for s in STANDARD_RULES.values() if draw(st.booleans())]
    for k in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(RULE_KINDS))
        run = 1 if kind == "beyond-limits" else draw(st.integers(3, 12))
        hits = draw(st.integers(1, run)) if kind == "zone-count" else 1
        sigma = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]))
        specs.append(RuleSpec(f"custom-{k}", kind, run=run, hits=hits, sigma=sigma))
    return specs


@settings(max_examples=150, deadline=None)
@given(values=st.lists(point, max_size=80), specs=rule_specs(), scale=st.sampled_from([1.0, 0.7]))
def test_rule_stream_equals_batch(values: list[float], specs: list[RuleSpec], scale: float) -> None:
    v = np.array(values, dtype=float)
    z = (v - 0.0) / scale
    batch = evaluate(v, z, specs, part="x")
    stream = RuleStream(specs, part="x")
    streamed = [hit for value, zz in zip(v.tolist(), z.tolist(), strict=True)
                for hit in stream.push(value, zz)]  # fmt: skip
    assert streamed == batch


def test_rule_stream_state_is_bounded() -> None:
    stream = RuleStream(rule_set("nelson"))
    for value in np.full(20_000, 0.5):  # one endless run above the centre line
        stream.push(float(value), float(value))
    for state in stream._states:
        for counter in (state.up, state.down, state.count):
            size = len(counter) if not isinstance(counter, int) else counter
            assert size <= state.spec.run
    assert stream.next_index == 20_000
    assert stream.memory == 15


def test_rule_stream_resumes_by_replaying_memory() -> None:
    rng = np.random.default_rng(3)
    z = rng.integers(-6, 7, 400) / 2.0
    rules = rule_set("nelson")
    full = RuleStream(rules)
    expected = [hit for x in z.tolist() for hit in full.push(x, x) if hit.index >= 300]
    restarted = RuleStream(rules, start_index=300 - full.memory)
    for x in z[300 - full.memory : 300].tolist():
        restarted.push(x, x)  # warm-up: results discarded
    assert [hit for x in z[300:].tolist() for hit in restarted.push(x, x)] == expected


def _stream_all(stream: ChartStream, pushes: list[object], how: str) -> list[object]:
    out = []
    for item in pushes:
        if how == "subgroup":
            out.extend(stream.push_subgroup(item).violations)  # type: ignore[arg-type]
        elif how == "value":
            out.extend(stream.push_value(item).violations)  # type: ignore[arg-type]
        else:
            out.extend(stream.push_count(*item).violations)  # type: ignore[misc]
    return sorted(out, key=lambda v: (v.part, v.index))  # type: ignore[attr-defined]


def test_chart_stream_matches_monitor_xbar(pistonrings: np.ndarray) -> None:
    rules = rule_set("nelson")
    for chart in ("xbar-r", "xbar-s"):
        limits = baseline_limits(measurement_data(chart, pistonrings[:25]))
        batch = monitor(limits, measurement_data(chart, pistonrings), rules)
        got = _stream_all(ChartStream(limits, rules), [list(r) for r in pistonrings], "subgroup")
        assert got == sorted(batch.violations, key=lambda v: (v.part, v.index))
        assert any(v.rule == "nelson-1" for v in got)


def test_chart_stream_matches_monitor_imr(viscosity: list[float]) -> None:
    rules = rule_set("we")
    limits = baseline_limits(measurement_data("imr", viscosity[:20]), exclude=(3,))
    batch = monitor(limits, measurement_data("imr", viscosity), rules)
    stream = ChartStream(limits, rules)
    first = stream.push_value(viscosity[0])
    assert math.isnan(first.parts[1].value)  # no moving range for the first point
    got = _stream_all(stream, viscosity[1:], "value") + list(first.violations)
    assert sorted(got, key=lambda v: (v.part, v.index)) == sorted(
        batch.violations, key=lambda v: (v.part, v.index)
    )
    assert batch.violations


def test_chart_stream_matches_monitor_attributes(
    orangejuice: list[int], circuit: list[int]
) -> None:
    rules = rule_set("we")
    sizes = [50 + (i % 3) * 10 for i in range(len(orangejuice))]  # unequal sizes: limits per point
    cases = [
        ("p", orangejuice, sizes),
        ("np", orangejuice, [50] * len(orangejuice)),
        ("c", circuit, None),
        ("u", circuit, [100] * len(circuit)),
    ]
    for chart, counts, n in cases:
        limits = baseline_limits(count_data(chart, counts[:26], None if n is None else n[:26]))
        batch = monitor(limits, count_data(chart, counts, n), rules)
        pushes = [(c, None if n is None else n[i]) for i, c in enumerate(counts)]
        assert _stream_all(ChartStream(limits, rules), pushes, "count") == list(batch.violations)
        assert batch.violations, chart


def test_stream_point_carries_limits_for_drawing(pistonrings: np.ndarray) -> None:
    limits = baseline_limits(measurement_data("xbar-r", pistonrings[:25]))
    point = ChartStream(limits, rule_set("we"), start_index=36).push_subgroup(pistonrings[36])
    xbar = point.parts[0]
    assert (point.index, xbar.part) == (36, "xbar")
    assert xbar.value > xbar.ucl and not point.in_control
    assert xbar.z == pytest.approx((xbar.value - xbar.center) / xbar.sigma)


def test_chart_stream_refuses_the_wrong_kind_of_point(pistonrings: np.ndarray) -> None:
    limits = baseline_limits(measurement_data("xbar-r", pistonrings[:25]))
    stream = ChartStream(limits, rule_set("we"))
    with pytest.raises(SpcError, match="does not take"):
        stream.push_value(74.0)
    with pytest.raises(SpcError, match="subgroups of 5"):
        stream.push_subgroup([74.0, 74.1])


def test_subgroup_former_keys_by_station_and_work_order() -> None:
    former = SubgroupFormer(3)
    assert former.add("S1", "WO-1", 1.0) is None
    assert former.add("S2", "WO-1", 9.0) is None  # other station: other subgroup
    assert former.add("S1", "WO-2", 5.0) is None  # other work order: other subgroup
    assert former.add("S1", "WO-1", 2.0) is None
    done = former.add("S1", "WO-1", 3.0)
    assert done is not None and done.values == (1.0, 2.0, 3.0)
    assert (done.station, done.work_order) == ("S1", "WO-1")
    assert former.pending("S1", "WO-1") == ()
    assert former.pending("S2", "WO-1") == (9.0,)
    assert set(former.open_keys) == {("S2", "WO-1"), ("S1", "WO-2")}
    assert former.discard("S1", "WO-2") == (5.0,)
    assert former.pending("S1", "WO-2") == ()


def test_subgroup_former_refuses_bad_values() -> None:
    with pytest.raises(SpcError, match="missing or infinite"):
        SubgroupFormer(2).add("S1", "WO-1", math.nan)
    with pytest.raises(SpcError, match="at least 1"):
        SubgroupFormer(0)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 6),
    rows=st.lists(st.lists(st.integers(-20, 20), min_size=6, max_size=6), min_size=1, max_size=40),
    chart=st.sampled_from(["xbar-r", "xbar-s"]),
)
def test_chart_stream_equals_monitor_on_random_subgroups(
    n: int, rows: list[list[int]], chart: str
) -> None:
    subgroups = np.array(rows, dtype=float)[:, :n] / 10.0
    limits = standard_limits(chart, center=0.1, sigma=0.7, subgroup_size=n)
    rules = rule_set("nelson")
    batch = monitor(limits, measurement_data(chart, subgroups), rules)
    got = _stream_all(ChartStream(limits, rules), [list(r) for r in subgroups], "subgroup")
    assert got == sorted(batch.violations, key=lambda v: (v.part, v.index))


@settings(max_examples=60, deadline=None)
@given(
    samples=st.lists(st.tuples(st.integers(0, 30), st.integers(30, 60)), min_size=1, max_size=40)
)
def test_chart_stream_equals_monitor_on_random_p_samples(samples: list[tuple[int, int]]) -> None:
    counts, sizes = zip(*samples, strict=True)
    limits = standard_limits("p", center=0.2)
    rules = rule_set("nelson")
    batch = monitor(limits, count_data("p", counts, sizes), rules)
    assert _stream_all(ChartStream(limits, rules), samples, "count") == list(batch.violations)
