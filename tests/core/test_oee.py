"""OEE (ISO 22400-2) against a published worked example, and on scripted PLC records.

Reference: Vorne Industries, "Calculating OEE" worksheet (www.oee.com, (c) 2002-2005):
shift 480 min, two 15-min breaks and a 30-min meal -> planned production 420 min;
down time 47 min -> operating time 373 min; ideal run rate 60 parts/min (ideal
cycle 1.0 s); total 19,271 pieces, 423 rejects -> good 18,848. Published results:
availability 88.81 %, performance 86.11 %, quality 97.80 %, OEE 74.79 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.oee import (
    Count,
    CounterSample,
    OrderSpan,
    ShiftWindow,
    StateChange,
    Stream,
    combine,
    counter_increments,
    counts_from_counters,
    oee,
    oee_from_totals,
    per_day,
    per_order,
    per_shift,
    per_station,
)

PUBLISHED = 5e-5  # the worksheet rounds to 0.01 %


def at(hh: int, mm: int = 0, ss: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 6, day, hh, mm, ss, tzinfo=UTC)


def test_the_published_worked_example_from_shift_totals() -> None:
    result = oee_from_totals(
        480 - 2 * 15 - 30, downtime=47, ideal_cycle_s=1.0, produced=19_271, scrap=423
    )
    assert result.planned_busy == 420 and result.run_time == 373 and result.good == 18_848
    assert result.availability == pytest.approx(0.8881, abs=PUBLISHED)
    assert result.performance == pytest.approx(0.8611, abs=PUBLISHED)
    assert result.quality == pytest.approx(0.9780, abs=PUBLISHED)
    assert result.oee == pytest.approx(0.7479, abs=PUBLISHED)


def test_the_published_worked_example_from_a_state_record() -> None:
    shift = ShiftWindow(
        "early",
        at(6),
        at(14),
        breaks=((at(8), at(8, 15)), (at(10), at(10, 30)), (at(12), at(12, 15))),
    )
    stream = Stream(
        states=(
            StateChange(at(6), "running"),
            StateChange(at(9), "down", "BREAKDOWN"),
            StateChange(at(9, 47), "running"),
        ),
        counts=(Count(at(13, 59), produced=19_271, scrap=423),),
        ideal_cycle_s=1.0,
    )
    result = per_shift(stream, [shift], until=at(14))["early"]
    assert result.planned_busy == 420 and result.run_time == 373
    assert dict(result.losses.downtime) == {"BREAKDOWN": 47}
    assert result.oee == pytest.approx(0.7479, abs=PUBLISHED)
    assert result.teep == pytest.approx(result.oee * 420 / 480)  # type: ignore[operator]


def test_a_16_bit_counter_rolls_over_and_a_restart_counts_nothing() -> None:
    samples = [
        CounterSample(at(6, m), v)
        for m, v in [(0, 65_530), (1, 65_535), (2, 4), (3, 1_200), (4, 3), (5, 10)]
    ]
    got = [(i.count, i.kind) for i in counter_increments(samples, bits=16)]
    assert got == [(5, "count"), (5, "rollover"), (1_196, "count"), (0, "restart"), (7, "count")]


def test_a_32_bit_counter_and_a_rate_limit_tell_rollover_from_restart() -> None:
    top = (1 << 32) - 10
    wrap = counter_increments([CounterSample(at(6), top), CounterSample(at(6, 1), 20)], bits=32)
    assert [(i.count, i.kind) for i in wrap] == [(30, "rollover")]
    # 16-bit, 60 000 -> 2 000: a wrap of 7 536 parts in 10 s. At 5 parts/s that cannot be.
    samples = [CounterSample(at(6), 60_000), CounterSample(at(6, 0, 10), 2_000)]
    assert counter_increments(samples)[0].kind == "rollover"  # within 1/8 of the range
    assert counter_increments(samples, max_rate=5.0)[0].kind == "restart"
    assert counter_increments(samples, max_step=100)[0].kind == "restart"
    with pytest.raises(ValueError, match="does not fit in 16 bits"):
        counter_increments([CounterSample(at(6), 70_000)])
    with pytest.raises(ValueError, match="16 or 32 bits"):
        counter_increments([], bits=8)


# A two-hour window 06:00-08:00 with a break 07:00-07:10: 110 min planned busy time.
WINDOW = [(at(6), at(7)), (at(7, 10), at(8))]
STATES = (
    StateChange(at(6), "running"),
    StateChange(at(6, 20), "idle"),  # a 30-s micro-stop
    StateChange(at(6, 20, 30), "running"),
    StateChange(at(6, 40), "down", "JAM"),  # 25 min, 5 of them in the break
    StateChange(at(7, 5), "running"),
    StateChange(at(7, 30), "setup"),
    StateChange(at(7, 40), "running"),
    StateChange(at(7, 50), "down"),  # 45 s, no reason given: a micro-stop
    StateChange(at(7, 50, 45), "running"),
)
TOTAL = [
    CounterSample(at(6), 65_000),
    CounterSample(at(6, 59), 65_500),
    CounterSample(at(7, 5), 65_520),  # 20 parts made over the break
    CounterSample(at(7, 20), 100),  # rollover: 116 parts
    CounterSample(at(7, 45), 5),  # the PLC restarted
    CounterSample(at(8), 300),
]
REJECTS = [CounterSample(at(6), 0), CounterSample(at(8), 11)]


def plc_stream(**extra: object) -> Stream:
    return Stream(STATES, tuple(counts_from_counters(TOTAL, REJECTS)), ideal_cycle_s=4.8, **extra)  # type: ignore[arg-type]


def test_a_scripted_plc_record() -> None:
    result = oee(plc_stream(), WINDOW, until=at(8))
    assert result.planned_busy == 110
    assert dict(result.losses.downtime) == {"JAM": 20, "setup": 10}
    assert result.run_time == pytest.approx(80)
    assert result.losses.micro_stops == 2
    assert result.losses.micro_stop_minutes == pytest.approx(0.5 + 0.75)
    assert (result.produced, result.good, result.outside_planned) == (911, 900, 20)
    assert result.ideal_time == pytest.approx(911 * 4.8 / 60)
    assert result.availability == pytest.approx(80 / 110)
    assert result.performance == pytest.approx(72.88 / 80)
    assert result.quality == pytest.approx(900 / 911)
    assert result.losses.speed_loss == pytest.approx(80 - 72.88)
    assert result.losses.scrap_loss == pytest.approx(11 * 0.08)
    # The losses account for all planned busy time.
    good_time = result.good * 4.8 / 60
    assert good_time + result.losses.speed_loss + result.losses.scrap_loss == pytest.approx(
        result.run_time
    )
    assert result.run_time + result.losses.downtime_total == pytest.approx(result.planned_busy)


def test_stops_longer_than_the_micro_stop_threshold_are_downtime() -> None:
    result = oee(plc_stream(), WINDOW, until=at(8), micro_stop_s=10)
    assert dict(result.losses.downtime) == pytest.approx(
        {"JAM": 20, "setup": 10, "idle": 0.5, "down": 0.75}
    )
    assert result.losses.micro_stops == 0 and result.run_time == pytest.approx(78.75)


def test_time_without_a_record_is_unknown_downtime_and_a_period_counts_so_far() -> None:
    stream = Stream((StateChange(at(6, 10), "running"),), (), ideal_cycle_s=1)
    result = oee(stream, [(at(6), at(8))], until=at(7))
    assert result.planned_busy == 60  # the rest of the window has not happened yet
    assert dict(result.losses.downtime) == {"unknown": 10} and result.run_time == 50
    assert result.performance == 0 and result.quality is None and result.oee is None


def test_each_order_gets_its_own_time_parts_and_ideal_cycle() -> None:
    orders = [OrderSpan("WO-A", at(6), at(7, 25)), OrderSpan("WO-B", at(7, 25), at(8))]
    got = per_order(plc_stream(cycle_by_order={"WO-B": 4.0}), WINDOW, orders, until=at(8))
    a, b = got["WO-A"], got["WO-B"]
    assert (a.planned_busy, a.run_time, dict(a.losses.downtime)) == (75, 55, {"JAM": 20})
    assert (a.produced, a.good, a.outside_planned) == (616, 616, 20)
    assert a.ideal_time == pytest.approx(616 * 4.8 / 60)
    assert (b.planned_busy, b.run_time, dict(b.losses.downtime)) == (35, 25, {"setup": 10})
    assert (b.produced, b.good) == (295, 284)
    assert b.ideal_time == pytest.approx(295 * 4.0 / 60)
    assert b.losses.scrap_loss == pytest.approx(11 * 4.0 / 60)


def test_kiosk_counts_name_their_order() -> None:
    stream = Stream(
        (StateChange(at(6), "running"),),
        (Count(at(6, 30), 100, 4, order="WO-A"), Count(at(6, 40), 50, order="WO-B")),
        ideal_cycle_s=10,
        cycle_by_order={"WO-B": 20},
    )
    spans = [OrderSpan("WO-A", at(6), at(7)), OrderSpan("WO-B", at(6), at(7))]
    got = per_order(stream, [(at(6), at(7))], spans, until=at(7))
    assert (got["WO-A"].produced, got["WO-A"].good) == (100, 96)
    assert got["WO-B"].ideal_time == pytest.approx(50 * 20 / 60)


def test_per_day_uses_local_days_and_their_real_length() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Clocks go forward on Sunday 29 March 2026: that day has 23 hours.
    planned = [
        (datetime(2026, 3, d, 6, tzinfo=berlin), datetime(2026, 3, d, 14, tzinfo=berlin))
        for d in (28, 29)
    ]
    stream = Stream((StateChange(planned[0][0], "running"),), (), ideal_cycle_s=1)
    got = per_day(
        stream,
        planned,
        [date(2026, 3, 28), date(2026, 3, 29)],
        until=datetime(2026, 3, 30, tzinfo=berlin),
        tz=berlin,
    )
    assert got[date(2026, 3, 28)].calendar_time == 24 * 60
    assert got[date(2026, 3, 29)].calendar_time == 23 * 60
    assert got[date(2026, 3, 29)].planned_busy == 8 * 60


def test_stations_combine_weighted_by_their_time() -> None:
    idle_half = Stream(
        (StateChange(at(6), "running"), StateChange(at(6, 30), "idle", "NO-WORK")),
        (Count(at(6, 30), 30),),
        ideal_cycle_s=60,
    )
    full = Stream((StateChange(at(6), "running"),), (Count(at(7), 60),), ideal_cycle_s=60)
    each, plant = per_station({"A": idle_half, "B": full}, [(at(6), at(7))], until=at(7))
    assert each["A"].availability == 0.5 and each["B"].availability == 1
    assert plant.availability == pytest.approx(90 / 120)
    assert plant.oee == pytest.approx(90 / 120)
    assert dict(plant.losses.downtime) == {"NO-WORK": 30}
    again = combine([each["A"], each["B"]])
    assert again.run_time == plant.run_time and again.produced == 90


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="machine state 'paused'"):
        StateChange(at(6), "paused")
    with pytest.raises(ValueError, match="exceeds the planned busy time"):
        oee_from_totals(60, downtime=61, ideal_cycle_s=1, produced=0)
    assert oee(plc_stream(), [], until=at(8)).availability is None
    assert oee(plc_stream(), WINDOW, until=at(8) - timedelta(hours=3)).planned_busy == 0
