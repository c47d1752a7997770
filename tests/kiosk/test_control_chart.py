"""SPC at the station without Textual: the text chart, the local chart, the server's points.

Reference values: limits from ``core.spc.standard_limits`` (X-bar R, n = 5,
mu 12.000, sigma 0.002: UCL = 12 + 3 * 0.002 / sqrt(5) = 12.002683); the
streamed violations are compared with ``core.spc.monitor`` over the same
series, as the server's own streaming tests do.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core import events as ev
from core.events.spc import SpcLimitLine, SpcLimitsRef, SpcSignalAcknowledged, SpcSignalRef
from core.flow.spc import (
    CHART_POINTS,
    ChartPoint,
    chart_view,
    control_limits,
    plot_here,
    point_from_outcome,
    signal_banner,
    signal_words,
)
from core.reference import Feed
from core.spc import limit_lines, measurement_data, monitor, parse_rules, standard_limits
from kiosk.cache import StationCache
from screens.widgets.control_chart import (
    BEYOND,
    NOW,
    NOW_ABOVE,
    NOW_BELOW,
    POINT,
    chart_lines,
    chart_words,
    decimals_for,
    draw_chart,
)

NOW_AT = datetime(2026, 11, 27, 9, 41, tzinfo=UTC)
UCL = 12.0 + 3 * 0.002 / math.sqrt(5)


def limits_ref(
    chart: str = "xbar-r", n: int = 5, version: int = 1, rules: str = "we", rev: int = 10, **kw: Any
) -> SpcLimitsRef:
    """What the server's feed sends for limits frozen from standards (as ``limits_view``)."""
    center, sigma = kw.pop("center", 12.0), kw.pop("sigma", 0.002)
    limits = standard_limits(chart, center=center, sigma=sigma, subgroup_size=n)
    lines = [
        SpcLimitLine(part=ln.part, center=ln.center, lcl=ln.lcl, ucl=ln.ucl, sigma=ln.sigma)
        for ln in limit_lines(limits)
    ]
    return SpcLimitsRef(
        characteristic=kw.pop("characteristic", "SHAFT-DIA"),
        version=version,
        chart=chart,
        subgroup_size=n,
        lines=lines,
        rules=[r.id for r in parse_rules(rules)],
        rev=rev,
        **kw,
    )


def measured(value: float, characteristic: str = "SHAFT-DIA") -> ev.Event:
    payload = ev.MeasurementRecorded(
        job_id=uuid.uuid4(), characteristic=characteristic, value=value, unit="mm"
    )
    return ev.make_event(payload, station_id="L1-TURN", seq=1, occurred_at=NOW_AT)


# --- the text chart -----------------------------------------------------------------------


def test_chart_has_fixed_size_labelled_lines_and_marks() -> None:
    values = [12.0, 12.0005, 11.9995, 12.0031, 12.001, 12.0012]
    lines = draw_chart(values, center=12.0, lcl=2 * 12.0 - UCL, ucl=UCL, title="Xbar chart")
    assert len(lines) == 8 and {len(line) for line in lines} == {34}
    assert lines[0].startswith("Xbar chart") and lines[0].endswith(f"{NOW} now  {BEYOND} beyond")
    rows = {
        label: i for i, line in enumerate(lines) for label in ("UCL", " CL", "LCL") if label in line
    }
    assert rows["UCL"] < rows[" CL"] < rows["LCL"]
    assert "UCL 12.00268┤" in lines[rows["UCL"]] and "LCL 11.99732┤" in lines[rows["LCL"]]
    assert "─" in lines[rows[" CL"]]
    plot = "".join(lines[1:])
    assert plot.count(NOW) == 1 and plot.count(BEYOND) == 1  # 12.0031 is above the UCL
    assert plot.count(POINT) == 4
    beyond_row = next(i for i, line in enumerate(lines) if BEYOND in line[13:])
    assert beyond_row <= rows["UCL"]


def test_the_current_point_beyond_a_limit_points_that_way() -> None:
    above = draw_chart([150.0, 150.2], center=150.0, lcl=149.97, ucl=150.03)
    below = draw_chart([150.0, 149.5], center=150.0, lcl=149.97, ucl=150.03)
    assert NOW_ABOVE in "".join(above[1:]) and NOW not in "".join(above[1:])
    assert NOW_BELOW in "".join(below[1:])
    # far outside: drawn on the edge row, the limits keep their place
    assert NOW_ABOVE in above[1] and any("UCL" in line for line in above)


def test_only_the_last_points_that_fit_are_drawn() -> None:
    values = [150.0 + 0.0005 * i for i in range(40)]
    lines = draw_chart(values, center=150.0, lcl=149.97, ucl=150.03, width=34)
    plot_width = 34 - len("UCL 150.030") - 1
    marks = sum(
        line[-plot_width:].count(POINT) + line[-plot_width:].count(NOW) for line in lines[1:]
    )
    assert marks == plot_width  # one column per point when they do not fit at two
    few = draw_chart([150.0, 150.01], center=150.0, lcl=149.97, ucl=150.03)
    assert sum(line.count(POINT) + line.count(NOW) for line in few[1:]) == 2


@pytest.mark.parametrize(
    ("sigma", "places"),
    [(0.000894, 5), (0.01, 3), (0.1, 2), (2.5, 1), (25.0, 0), (1e-9, 6), (0.0, 3)],
)
def test_decimals_tell_the_lines_apart(sigma: float, places: int) -> None:
    assert decimals_for(sigma) == places


def test_chart_without_points_draws_the_lines() -> None:
    view = chart_view("SHAFT-DIA", limits_ref(), [])
    assert view is not None
    lines = chart_lines(view)
    assert lines[0].startswith("Xbar chart n=5")
    assert NOW not in "".join(lines[1:]) and sum("┤" in line for line in lines) == 3
    assert chart_words(view) == "SPC: no points on this chart yet."


# --- the chart kept at the station ------------------------------------------------------------


def test_feed_lines_give_back_the_frozen_limits() -> None:
    for chart, n, sigma in (("xbar-r", 5, 0.002), ("xbar-s", 12, 0.002), ("imr", 1, 0.01)):
        limits = control_limits(limits_ref(chart, n, sigma=sigma))
        assert limits is not None
        assert (limits.chart, limits.subgroup_size, limits.center) == (chart, n, 12.0)
        assert limits.sigma == pytest.approx(sigma, rel=1e-12)
    attribute = SpcLimitsRef(
        characteristic="C",
        version=1,
        chart="c",
        subgroup_size=None,
        lines=[SpcLimitLine(part="c", center=4, lcl=0, ucl=10, sigma=2)],
        rules=["we-1"],
    )
    assert control_limits(attribute) is None and plot_here(attribute, [], [3.0]) is None


@pytest.mark.parametrize(("chart", "n"), [("xbar-r", 5), ("imr", 1)])
def test_points_charted_here_equal_monitor(chart: str, n: int) -> None:
    rng = np.random.default_rng(7)
    data = 12.0 + 0.002 * rng.standard_normal((70, n))
    data[45:] += 0.0025  # a shift: rules fire
    ref = limits_ref(chart, n, rules="nelson")
    history: list[ChartPoint] = []
    for i, row in enumerate(data):
        point = plot_here(ref, history, list(row), event_id=f"e{i}")
        assert point is not None and point.index == i and point.local
        history = [*history, point][-CHART_POINTS:]  # what the cache keeps
    limits = control_limits(ref)
    assert limits is not None
    series = measurement_data(chart, data if n > 1 else data[:, 0])
    expected = {
        (v.rule, v.part, v.index) for v in monitor(limits, series, parse_rules("nelson")).violations
    }
    streamed = history[-CHART_POINTS:]
    got = {(v.rule, v.part, p.index) for p in streamed for v in p.violations}
    assert got == {e for e in expected if e[2] >= 70 - CHART_POINTS}
    assert got  # the shift was caught
    main = "xbar" if n > 1 else "i"
    last = streamed[-1].part(main)
    assert last is not None and last.ucl == pytest.approx(ref.lines[0].ucl)


def test_server_outcome_becomes_a_point() -> None:
    spc = {
        "status": "plotted",
        "chart": "imr",
        "limits_version": 1,
        "station": "L1-TURN",
        "point": {
            "index": 105,
            "in_control": False,
            "work_order": "WO-1001",
            "values": [150.04],
            "parts": [
                {
                    "part": "i",
                    "value": 150.04,
                    "center": 150.0,
                    "lcl": 149.97,
                    "ucl": 150.03,
                    "sigma": 0.01,
                    "z": 4.0,
                },
                {
                    "part": "mr",
                    "value": None,
                    "center": 0.011,
                    "lcl": 0.0,
                    "ucl": 0.037,
                    "sigma": 0.008,
                    "z": None,
                },
            ],
            "violations": [
                {
                    "rule": "we-1",
                    "part": "i",
                    "index": 105,
                    "points": [105],
                    "message": "1 point above the upper control limit",
                }
            ],
        },
        "signal": None,
        "open_signal": None,
    }
    point = point_from_outcome(spc, "evt")
    assert point is not None and not point.local and not point.in_control
    assert (point.index, point.limits_version, point.work_order, point.event_id) == (
        105,
        1,
        "WO-1001",
        "evt",
    )
    i_part, mr_part = point.part("i"), point.part("mr")
    assert (
        i_part is not None and i_part.beyond == 1 and mr_part is not None and mr_part.value is None
    )
    assert point_from_outcome({"status": "collecting", "pending": 2}, "evt") is None
    assert point_from_outcome({"status": "plotted", "point": {"index": "x"}}, "evt") is None


def test_signal_in_words() -> None:
    signal = SpcSignalRef(
        id="s1",
        characteristic="SHAFT-DIA",
        station_id="L1-TURN",
        point=9,
        rules=["we-2", "we-1"],
        message="SPC signal on SHAFT-DIA (Bearing seat diameter (turned)) at L1-TURN: "
        "we-2: 2 of 3 points more than 2 sigma above the centre line (xbar); "
        "we-1: 1 point above the upper control limit (r)",
        limits_version=1,
        suspect_from=8,
    )
    assert signal_words(signal) == (
        "2 of 3 points more than 2 sigma above the centre line; "
        "1 point above the upper control limit (R chart)"
    )
    assert signal_banner(signal).startswith("SPC signal on SHAFT-DIA: 2 of 3 points")
    assert signal_banner(signal).endswith("— supervisor must acknowledge")


# --- the cache: local points, the server's answer, restarts -----------------------------------


@pytest.fixture
def cache(tmp_path: Path) -> StationCache:
    c = StationCache(tmp_path / "cache.sqlite3", "L1-TURN")
    c.apply_page(Feed(cursor=5, full=True, spc_limits=[limits_ref()]))
    return c


def test_subgroups_form_per_work_order_and_chart_here(cache: StationCache) -> None:
    for value in (12.0, 12.001, 11.999, 12.0):
        cache.note_recorded(measured(value), "WO-1001")
    cache.note_recorded(measured(12.004), "WO-1002")  # another order: its own subgroup
    view = cache.spc_chart("SHAFT-DIA", "WO-1001")
    assert view is not None and view.points == () and view.pending == 4
    assert chart_words(view) == "SPC: subgroup 4 of 5 collected."
    last = measured(12.002)
    cache.note_recorded(last, "WO-1001")
    view = cache.spc_chart("SHAFT-DIA", "WO-1001")
    assert view is not None and view.pending == 0
    [point] = view.points
    assert (
        point.local
        and point.event_id == str(last.id)
        and point.values == (12.0, 12.001, 11.999, 12.0, 12.002)
    )
    assert point.part("xbar").value == pytest.approx(12.0004)  # type: ignore[union-attr]
    assert chart_words(view) == "SPC: point 1 in control (charted here)."
    assert cache.spc_chart("SHAFT-DIA", "WO-1002").pending == 1  # type: ignore[union-attr]
    assert cache.spc_chart("SHAFT-LEN") is None  # no frozen limits: not charted


def test_the_servers_point_replaces_the_one_charted_here(cache: StationCache) -> None:
    events = [measured(12.003) for _ in range(5)]
    for e in events:
        cache.note_recorded(e, "WO-1001")
    for e in events[:4]:
        cache.note_answered(
            str(e.id),
            True,
            {"characteristic": "SHAFT-DIA", "spc": {"status": "collecting", "pending": 1}},
        )
    signal_id = str(uuid.uuid4())
    outcome = {
        "characteristic": "SHAFT-DIA",
        "spc": {
            "status": "plotted",
            "chart": "xbar-r",
            "limits_version": 1,
            "station": "L1-TURN",
            "point": {
                "index": 41,
                "in_control": False,
                "work_order": "WO-1001",
                "values": [12.003] * 5,
                "parts": [
                    {
                        "part": "xbar",
                        "value": 12.003,
                        "center": 12.0,
                        "lcl": 11.99732,
                        "ucl": 12.00268,
                        "sigma": 0.000894,
                        "z": 3.35,
                    },
                    {
                        "part": "r",
                        "value": 0.0,
                        "center": 0.00465,
                        "lcl": 0.0,
                        "ucl": 0.00984,
                        "sigma": 0.00173,
                        "z": -2.7,
                    },
                ],
                "violations": [
                    {
                        "rule": "we-1",
                        "part": "xbar",
                        "index": 41,
                        "points": [41],
                        "message": "1 point above the upper control limit",
                    }
                ],
            },
            "signal": {
                "id": signal_id,
                "rules": ["we-1"],
                "suspect_from": 41,
                "lots": ["LOT-X"],
                "message": "SPC signal on SHAFT-DIA (Bearing seat diameter (turned)) at L1-TURN: "
                "we-1: 1 point above the upper control limit (xbar)",
                "downstream": [],
                "units": [],
                "ncr": "NCR-1",
                "continues": None,
            },
            "open_signal": signal_id,
        },
    }
    cache.note_answered(str(events[-1].id), True, outcome)
    view = cache.spc_chart("SHAFT-DIA", "WO-1001")
    assert view is not None
    [point] = view.points
    assert (point.index, point.local) == (41, False)
    assert chart_words(view) == "SPC: 1 point above the upper control limit."
    [signal] = cache.open_spc_signals()
    assert (signal.id, signal.characteristic, signal.point, signal.ncr) == (
        signal_id,
        "SHAFT-DIA",
        41,
        "NCR-1",
    )
    # the next point charted here continues the server's numbering
    for _ in range(5):
        cache.note_recorded(measured(12.0), "WO-1001")
    assert [p.index for p in cache.spc_chart("SHAFT-DIA").points] == [41, 42]  # type: ignore[union-attr]


def test_acknowledging_takes_the_signal_off_until_the_server_says_otherwise(
    cache: StationCache,
) -> None:
    signal = SpcSignalRef(
        id=str(uuid.uuid4()),
        characteristic="SHAFT-DIA",
        station_id="L1-TURN",
        point=3,
        rules=["we-1"],
        message="m",
        limits_version=1,
        suspect_from=3,
        rev=20,
    )
    other = signal.model_copy(update={"id": "elsewhere", "station_id": "L1-GRIND"})
    cache.apply_page(Feed(cursor=6, spc_signals=[signal, other]))
    assert [s.id for s in cache.open_spc_signals()] == [signal.id]  # only this station's
    ack = ev.make_event(
        SpcSignalAcknowledged(signal_id=uuid.UUID(signal.id), note="tool changed"),
        station_id="L1-TURN",
        seq=2,
        occurred_at=NOW_AT,
    )
    cache.note_recorded(ack)
    assert cache.open_spc_signals() == []
    cache.note_answered(str(ack.id), False, None)  # refused: it is open again
    assert [s.id for s in cache.open_spc_signals()] == [signal.id]
    cache.note_recorded(ack)
    cache.note_answered(str(ack.id), True, {"signal": signal.id, "acknowledged_by": "EMP1009"})
    assert cache.open_spc_signals() == []
    cache.apply_page(Feed(cursor=7, spc_signals=[signal]))  # an older page does not reopen it
    assert cache.open_spc_signals() == []


def test_chart_survives_a_restart_and_stays_bounded(tmp_path: Path) -> None:
    imr = limits_ref("imr", 1, sigma=0.01, center=150.0, characteristic="SHAFT-LEN")
    cache = StationCache(tmp_path / "cache.sqlite3", "L1-TURN")
    cache.apply_page(Feed(cursor=5, full=True, spc_limits=[imr]))
    for i in range(CHART_POINTS + 10):
        cache.note_recorded(measured(150.0 + 0.001 * (i % 7), "SHAFT-LEN"), "WO-1002")
    before = cache.spc_chart("SHAFT-LEN")
    cache.close()
    again = StationCache(tmp_path / "cache.sqlite3", "L1-TURN")
    after = again.spc_chart("SHAFT-LEN")
    assert before is not None and after == before
    assert len(after.points) == CHART_POINTS and after.points[-1].index == CHART_POINTS + 9
    assert again.spc_limits("SHAFT-LEN") == imr
    again.note_recorded(measured(150.2, "SHAFT-LEN"), "WO-1002")
    latest = again.spc_chart("SHAFT-LEN").latest  # type: ignore[union-attr]
    assert latest is not None and [(v.rule, v.part) for v in latest.violations] == [
        ("we-1", "i"),
        ("we-1", "mr"),
    ]
    again.close()


def test_new_limits_start_a_new_chart(cache: StationCache) -> None:
    for _ in range(10):
        cache.note_recorded(measured(12.0), "WO-1001")
    assert len(cache.spc_chart("SHAFT-DIA").points) == 2  # type: ignore[union-attr]
    retired = limits_ref(active=False, rev=11)
    cache.apply_page(
        Feed(cursor=8, spc_limits=[retired, limits_ref(version=2, center=12.001, rev=12)])
    )
    view = cache.spc_chart("SHAFT-DIA")
    assert view is not None and (view.limits_version, view.center, view.points) == (2, 12.001, ())
    for _ in range(5):
        cache.note_recorded(measured(12.0), "WO-1001")
    [point] = cache.spc_chart("SHAFT-DIA").points  # type: ignore[union-attr]
    assert (point.index, point.limits_version) == (2, 2)
    cache.apply_page(Feed(cursor=9, spc_limits=[limits_ref(version=2, active=False, rev=13)]))
    assert cache.spc_chart("SHAFT-DIA") is None  # limits withdrawn: nothing to chart against
