"""Why a late order is late, in the planner's words and as data."""

from __future__ import annotations

from datetime import datetime

from core.scheduling import Order, Problem, Resource, greedy
from tests.core.scheduling.helpers import op, two_station_line


def test_a_late_order_names_the_station_it_waited_for_and_what_kept_it_busy() -> None:
    schedule = greedy(two_station_line())
    [late] = schedule.late()
    assert late.order == "WO-1008" and late.tardiness == 60
    why = late.lateness
    assert why is not None
    assert why.bottleneck == "L1-TURN"
    saw, wait = why.waits
    assert (saw.seq, saw.resource, saw.minutes, saw.busy_with) == (
        10,
        "L1-SAW",
        30,
        (("WO-1007", 10, 30),),
    )
    assert (wait.seq, wait.resource, wait.minutes, wait.ready) == (20, "L1-TURN", 60, 70)
    assert wait.after == "predecessor" and wait.predecessor == 10
    assert wait.busy_with == (("WO-1007", 20, 60),)
    assert why.text == (
        "late 60 min (due min 150, done min 210): op 10 waited 30 min for L1-SAW "
        "(busy with WO-1007 op 10) from the start of the horizon; op 20 waited 60 min for L1-TURN "
        "(busy with WO-1007 op 20) after its predecessor op 10 ended at min 70"
    )
    assert schedule.orders[0].lateness is None  # WO-1007 is on time


def test_material_arriving_late_and_time_off_shift_are_named() -> None:
    problem = Problem(
        resources=(Resource("SAW", windows=((0, 120), (180, 600))), Resource("TURN")),
        orders=(
            Order(
                "WO-2001",
                (op(10, "SAW", minutes=50), op(20, "TURN", minutes=30)),
                due=150,
                material_ready=100,
            ),
        ),
        origin=datetime(2026, 6, 1, 6, 0),
    )
    [result] = greedy(problem).orders
    why = result.lateness
    assert why is not None and why.held_by == "material" and why.bottleneck == "SAW"
    [wait] = why.waits
    assert (wait.minutes, wait.off_shift, wait.after) == (80, 60, "material arrived")
    assert why.text == (
        "late 110 min (due Mon 08:30, done Mon 10:20): material only at hand at Mon 07:40; "
        "op 10 waited 80 min for SAW (off shift 60 min) after material arrived at Mon 07:40"
    )


def test_an_order_late_without_waiting_says_so() -> None:
    problem = Problem((Resource("S"),), (Order("WO-1", (op(10, "S", minutes=90),), due=60),))
    [result] = greedy(problem).orders
    assert result.lateness is not None and result.lateness.waits == ()
    assert result.lateness.text == (
        "late 30 min (due min 60, done min 90): no waiting: 90 min of work after min 0"
    )
