"""Run rules: each standard rule on hand-built series, parameters, and the vectorised core.

The series below are derived (built to show one pattern each); values are
z scores (centre 0, sigma 1), so value and z coincide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.spc import RuleSpec, SpcError, Violation, evaluate, parse_rules, rule, rule_set
from core.spc.rules import STANDARD_RULES, rule_hits


def fired(series: list[float], spec: RuleSpec) -> list[Violation]:
    return evaluate(series, series, [spec])


def test_we1_beyond_three_sigma_is_strict() -> None:
    got = fired([0.0, 3.5, -3.2, 3.0], rule("we-1"))
    assert [(v.index, v.points) for v in got] == [(1, (1,)), (2, (2,))]
    assert got[0].message == "1 point above the upper control limit"
    assert got[1].message == "1 point below the lower control limit"


def test_we2_two_of_three_beyond_two_sigma_same_side() -> None:
    got = fired([2.5, 0.0, 2.1, -2.5, 1.0, -2.2], rule("we-2"))
    assert [(v.index, v.points) for v in got] == [(2, (0, 2)), (5, (3, 5))]
    assert got[0].message == "2 of 3 points more than 2 sigma above the centre line"
    # Opposite sides do not add up, and the completing point must itself be in the zone.
    assert fired([2.5, -2.5, 0.0], rule("we-2")) == []
    assert [v.index for v in fired([2.5, 2.5, 0.0], rule("we-2"))] == [1]


def test_we3_four_of_five_beyond_one_sigma() -> None:
    got = fired([1.5, 1.5, 0.0, 1.5, 1.5], rule("we-3"))
    assert [(v.index, v.points) for v in got] == [(4, (0, 1, 3, 4))]
    assert fired([1.5, 1.5, 0.0, 0.0, 1.5, 1.5], rule("we-3")) == []


def test_we4_eight_on_one_side_fires_at_each_point_from_the_eighth() -> None:
    got = fired([0.5] * 10, rule("we-4"))
    assert [v.index for v in got] == [7, 8, 9]
    assert got[0].points == tuple(range(8))
    assert got[0].message == "8 points in a row above the centre line"
    # A point exactly on the centre line breaks the run.
    assert fired([-0.5] * 7 + [0.0] + [-0.5] * 7, rule("we-4")) == []


def test_nelson2_run_length_is_a_parameter() -> None:
    series = [-0.2] * 7
    assert fired(series, rule("nelson-2")) == []
    got = fired(series, rule("nelson-2", run=7))
    assert [(v.rule, v.index) for v in got] == [("nelson-2", 6)]
    assert got[0].message == "7 points in a row below the centre line"


def test_nelson3_trend_of_six() -> None:
    got = fired([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], rule("nelson-3"))
    assert [v.index for v in got] == [5, 6]
    assert got[0].message == "6 points in a row steadily increasing"
    down = fired([3.0, 2.0, 1.0, 0.0, -1.0, -2.0], rule("nelson-3"))
    assert [(v.index, v.message) for v in down] == [(5, "6 points in a row steadily decreasing")]
    # A tie breaks a trend.
    assert fired([0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5], rule("nelson-3")) == []


def test_nelson4_fourteen_alternating() -> None:
    series = [0.5 if i % 2 else -0.5 for i in range(15)]
    got = fired(series, rule("nelson-4"))
    assert [v.index for v in got] == [13, 14]
    assert got[0].points == tuple(range(14))
    assert got[0].message == "14 points in a row alternating up and down"
    series[7] = series[6]  # a tie breaks the alternation
    assert fired(series, rule("nelson-4")) == []


def test_nelson5_and_6_match_we2_and_we3() -> None:
    series = [2.5, 0.0, 2.1, 1.5, 1.5, 0.0, 1.5]
    for we, nelson in (("we-2", "nelson-5"), ("we-3", "nelson-6")):
        a = [(v.index, v.points, v.message) for v in fired(series, rule(we))]
        b = [(v.index, v.points, v.message) for v in fired(series, rule(nelson))]
        assert a == b and a


def test_nelson7_fifteen_within_one_sigma() -> None:
    got = fired([0.5, -0.5] * 8, rule("nelson-7"))
    assert [v.index for v in got] == [14, 15]
    assert got[0].message == "15 points in a row within 1 sigma of the centre line"


def test_nelson8_eight_beyond_one_sigma_either_side() -> None:
    got = fired([1.5, -1.5] * 4, rule("nelson-8"))
    assert [v.index for v in got] == [7]
    assert got[0].message == (
        "8 points in a row more than 1 sigma from the centre line, on either side"
    )


def test_nan_points_satisfy_no_rule() -> None:
    series = [math.nan] + [4.0] * 9
    got = evaluate(series, series, rule_set("nelson"))
    assert all(v.index >= 1 for v in got)
    assert "nelson-2" in {v.rule for v in got}


def test_violations_are_ordered_by_point_then_rule_order() -> None:
    series = [0.5] * 7 + [3.5]
    got = evaluate(series, series, rule_set("we"))
    assert [(v.index, v.rule) for v in got] == [(7, "we-1"), (7, "we-4")]


def test_disabled_rules_are_skipped() -> None:
    series = [3.5]
    assert evaluate(series, series, [rule("we-1", enabled=False)]) == []


def test_parse_rules() -> None:
    assert [s.id for s in parse_rules("we")] == ["we-1", "we-2", "we-3", "we-4"]
    assert [s.id for s in parse_rules("nelson")] == [f"nelson-{i}" for i in range(1, 9)]
    mixed = parse_rules("we-1, nelson-2", run_length=7)
    assert [(s.id, s.run) for s in mixed] == [("we-1", 1), ("nelson-2", 7)]
    assert [s.run for s in parse_rules("we", run_length=9) if s.kind == "same-side"] == [9]


@pytest.mark.parametrize(
    ("text", "match"),
    [("we-9", "unknown rule"), ("we,we-1", "twice"), ("", "no rules"), ("zzz", "unknown rule")],
)
def test_parse_rules_errors(text: str, match: str) -> None:
    with pytest.raises(SpcError, match=match):
        parse_rules(text)


@pytest.mark.parametrize(
    "params",
    [{"run": 0}, {"run": 51}, {"hits": 4}, {"sigma": 0.0}, {"sigma": -1.0}, {"colour": 1}],
)
def test_bad_rule_parameters_are_refused(params: dict[str, float]) -> None:
    with pytest.raises(SpcError):
        rule("we-2", **params)


def test_custom_rule_spec() -> None:
    spec = RuleSpec("plant-7", "same-side", run=7)
    assert [v.rule for v in fired([1.0] * 7, spec)] == ["plant-7"]
    with pytest.raises(SpcError, match="run of at least"):
        RuleSpec("bad", "trend", run=2)
    with pytest.raises(SpcError, match="rule id"):
        RuleSpec("Bad Id", "same-side", run=7)


def _naive(values: np.ndarray, z: np.ndarray, spec: RuleSpec) -> list[tuple[int, int]]:
    """Per-point reference straight from each rule's definition: (index, direction)."""
    out = []
    run, s = spec.run, spec.sigma
    for i in range(values.size):
        window = range(i - run + 1, i + 1)
        full = i >= run - 1
        k = spec.kind
        if k == "beyond-limits":
            d = 1 if z[i] > s else -1 if z[i] < -s else 0
        elif k == "zone-count":
            lo = max(0, i - run + 1)
            up = z[i] > s and sum(z[j] > s for j in range(lo, i + 1)) >= spec.hits
            down = z[i] < -s and sum(z[j] < -s for j in range(lo, i + 1)) >= spec.hits
            d = 1 if up else -1 if down else 0
        elif k == "same-side":
            d = (
                (1 if all(z[j] > 0 for j in window) else -1 if all(z[j] < 0 for j in window) else 0)
                if full
                else 0
            )
        elif k == "trend":
            steps = [values[j] - values[j - 1] for j in window if j > i - run + 1]
            d = (
                (1 if all(x > 0 for x in steps) else -1 if all(x < 0 for x in steps) else 0)
                if full
                else 0
            )
        elif k == "alternating":
            steps = [values[j] - values[j - 1] for j in window if j > i - run + 1]
            ok = (
                full
                and all(x != 0 and not math.isnan(x) for x in steps)
                and all(a * b < 0 for a, b in zip(steps, steps[1:], strict=False))
            )
            d = 1 if ok else 0
        elif k == "within":
            d = 1 if full and all(abs(z[j]) < s for j in window) else 0
        else:
            d = 1 if full and all(abs(z[j]) > s for j in window) else 0
        if d:
            out.append((i, d))
    return out


def test_vectorised_rules_match_the_naive_definition() -> None:
    rng = np.random.default_rng(7)
    # Coarse values make ties, zeros and exact zone boundaries common.
    values = rng.integers(-7, 8, size=3000) / 2.0
    values[rng.integers(0, values.size, 20)] = np.nan
    z = values / 1.0
    specs = [
        *STANDARD_RULES.values(),
        RuleSpec("short-side", "same-side", run=3),
        RuleSpec("short-trend", "trend", run=3),
        RuleSpec("short-alternating", "alternating", run=3),
        RuleSpec("three-of-four", "zone-count", run=4, hits=3, sigma=1.5),
    ]
    for hits in rule_hits(values, z, specs):
        got = list(zip(hits.index.tolist(), hits.direction.tolist(), strict=True))
        assert got == _naive(values, z, hits.spec), hits.spec.id


def test_one_million_points_evaluate_without_error() -> None:
    # Shape check only; speed is measured by bench/spc.py, never asserted here.
    z = np.random.default_rng(1).standard_normal(1_000_000)
    hits = rule_hits(z, z, rule_set("nelson"))
    assert len(hits) == 8 and all(h.index.size == h.direction.size for h in hits)
