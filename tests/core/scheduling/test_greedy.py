"""The dispatcher: earliest due date first, each operation in the first slot that fits."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.scheduling import (
    Operation,
    Order,
    Pin,
    Problem,
    ProblemError,
    Resource,
    Running,
    WorkCentre,
    check_schedule,
    duration,
    greedy,
)
from tests.core.scheduling.helpers import op, random_plant, two_station_line


def test_duration_is_setup_plus_per_unit_times_quantity_rounded_up() -> None:
    order = Order("WO-1", (), quantity=30)
    assert duration(order, Operation(10, ("S",), setup=12, per_unit=0.1)) == 15
    assert duration(order, Operation(10, ("S",), setup=12, per_unit=0.11)) == 16
    assert duration(order, Operation(10, ("S",), per_unit=1, quantity=5)) == 5


def test_orders_are_dispatched_by_due_date_and_operations_follow_their_predecessor() -> None:
    problem = two_station_line()
    schedule = greedy(problem)
    assert check_schedule(problem, schedule) == []
    assert [(o.order, o.seq, o.resource, o.start, o.end) for o in schedule.on("L1-TURN")] == [
        ("WO-1007", 20, "L1-TURN", 30, 130),
        ("WO-1008", 20, "L1-TURN", 130, 210),
    ]
    assert schedule.operation("WO-1008", 10).start == 30
    assert schedule.makespan == 210
    assert schedule.total_tardiness == 60 and schedule.weighted_tardiness == 60
    assert schedule.status == "FEASIBLE" and schedule.solver == "greedy"


def test_ties_on_due_date_go_to_the_heavier_order_then_the_id() -> None:
    orders = tuple(
        Order(name, (op(10, "S", minutes=10),), due=50, weight=w)
        for name, w in (("B", 1), ("A", 1), ("C", 3))
    )
    schedule = greedy(Problem((Resource("S"),), orders))
    assert [o.order for o in schedule.on("S")] == ["C", "A", "B"]


def test_a_work_centre_spreads_work_over_its_stations() -> None:
    problem = Problem(
        resources=(Resource("TURN-1"), Resource("TURN-2")),
        work_centres=(WorkCentre("TURN", ("TURN-1", "TURN-2")),),
        orders=tuple(Order(f"WO-{i}", (op(10, "TURN", minutes=60),), due=60) for i in range(3)),
    )
    schedule = greedy(problem)
    assert check_schedule(problem, schedule) == []
    assert sorted((o.resource, o.start) for o in schedule.operations) == [
        ("TURN-1", 0),
        ("TURN-1", 60),
        ("TURN-2", 0),
    ]


def test_operations_wait_for_the_next_window_rather_than_run_across_a_break() -> None:
    problem = Problem(
        resources=(Resource("PRESS", windows=((0, 100), (130, 400))),),
        orders=(Order("WO-1", (op(10, "PRESS", minutes=80), op(20, "PRESS", minutes=40))),),
    )
    schedule = greedy(problem)
    assert check_schedule(problem, schedule) == []
    assert schedule.operation("WO-1", 20).start == 130


def test_release_and_material_hold_the_first_operation() -> None:
    problem = Problem(
        (Resource("S"),),
        (
            Order("WO-1", (op(10, "S", minutes=5),), release=20, material_ready=90),
            Order("WO-2", (op(10, "S", minutes=5),), release=40),
        ),
    )
    schedule = greedy(problem)
    assert schedule.operation("WO-1", 10).start == 90
    assert schedule.operation("WO-2", 10).start == 40


def test_pins_and_running_operations_are_placed_first_and_kept() -> None:
    problem = Problem(
        resources=(Resource("S1"), Resource("S2")),
        orders=(
            Order("WO-1", (op(20, "S1", "S2", minutes=30), op(30, "S1", minutes=10)), due=10),
            Order("WO-2", (op(10, "S1", "S2", minutes=20),), due=500),
        ),
        pins=(Pin("WO-2", 10, "S1", 0),),
        running=(Running("WO-1", 20, "S2", -15, 15),),
    )
    schedule = greedy(problem)
    assert check_schedule(problem, schedule) == []
    assert schedule.operation("WO-2", 10).start == 0 and schedule.operation("WO-2", 10).fixed
    assert (schedule.operation("WO-1", 20).start, schedule.operation("WO-1", 20).end) == (-15, 15)
    assert schedule.operation("WO-1", 30).start == 20  # after the pinned job frees S1


def test_problems_no_schedule_can_meet_are_refused_with_every_reason() -> None:
    problem = Problem(
        resources=(Resource("S", windows=((0, 50),)),),
        orders=(
            Order("WO-1", (op(10, "S", minutes=60), op(20, "LATHE", minutes=5))),
            Order("WO-2", (op(10, "S", minutes=10),)),
        ),
        pins=(Pin("WO-2", 10, "S", 45), Pin("WO-9", 10, "S", 0)),
    )
    with pytest.raises(ProblemError) as caught:
        greedy(problem)
    text = str(caught.value)
    assert "WO-1 op 10 takes 60 min: longer than every working window" in text
    assert "WO-1 op 20: unknown station LATHE" in text
    assert "WO-2 op 10 is pinned at 45 on S, outside its working windows" in text
    assert "WO-9 op 10 is pinned or running but is not in any order" in text


def test_the_dispatcher_says_when_the_calendar_runs_out() -> None:
    problem = Problem(
        (Resource("S", windows=((0, 50),)),),
        tuple(Order(f"WO-{i}", (op(10, "S", minutes=30),)) for i in range(2)),
    )
    with pytest.raises(ProblemError, match="the calendars end too soon"):
        greedy(problem)


@pytest.mark.parametrize("seed", range(5))
def test_random_plants_get_valid_schedules(seed: int) -> None:
    problem = random_plant(seed)
    assert check_schedule(problem, greedy(problem)) == []


def test_check_schedule_names_each_broken_rule() -> None:
    problem = Problem(
        resources=(Resource("SAW", windows=((0, 100), (120, 1000))), Resource("TURN")),
        orders=(
            Order("WO-1", (op(10, "SAW", minutes=30), op(20, "TURN", minutes=20))),
            Order("WO-2", (op(10, "SAW", minutes=30),), release=10),
        ),
        pins=(Pin("WO-2", 10, "SAW", 40),),
    )
    good = greedy(problem)
    assert check_schedule(problem, good) == []

    def broken(order: str, seq: int, **changes: object) -> list[str]:
        ops = tuple(
            replace(o, **changes) if (o.order, o.seq) == (order, seq) else o
            for o in good.operations
        )
        return check_schedule(problem, replace(good, operations=ops))

    assert any(
        "starts at 20, before op 10 ends (30)" in p for p in broken("WO-1", 20, start=20, end=40)
    )
    assert any("overlap on SAW" in p for p in broken("WO-1", 10, start=50, end=80))
    assert any(
        "outside one working window of SAW" in p for p in broken("WO-1", 10, start=80, end=110)
    )
    assert any("pinned on SAW at 40" in p for p in broken("WO-2", 10, start=41, end=71))
    assert any(
        "runs on TURN, which may not run it" in p for p in broken("WO-1", 10, resource="TURN")
    )
    assert any("takes 20 min but is scheduled for 10" in p for p in broken("WO-1", 20, end=40))
    missing = replace(good, operations=good.operations[1:])
    assert any("is not scheduled" in p for p in check_schedule(problem, missing))
