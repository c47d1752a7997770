"""The CP-SAT scheduler: calendars, pins, running work, early stops and the fallback."""

from __future__ import annotations

import random

import pytest

from core.scheduling import (
    Order,
    Pin,
    Problem,
    ProblemError,
    Resource,
    Running,
    WorkCentre,
    check_schedule,
    greedy,
    parse_jobshop,
)
from server.scheduling.cpsat import solve
from tests.core.scheduling.helpers import op, random_plant, two_station_line


def test_orders_are_sequenced_to_cut_weighted_tardiness() -> None:
    # The dispatcher runs WO-A first (earlier due date): WO-B is 5 min late at weight 5 (25).
    # WO-B first makes WO-A 10 min late at weight 1 (10): the optimum.
    problem = Problem(
        (Resource("PRESS"),),
        (
            Order("WO-A", (op(10, "PRESS", minutes=100),), due=100, weight=1),
            Order("WO-B", (op(10, "PRESS", minutes=10),), due=105, weight=5),
        ),
    )
    assert greedy(problem).weighted_tardiness == 25
    schedule = solve(problem, time_limit=10)
    assert check_schedule(problem, schedule) == []
    assert schedule.status == "OPTIMAL" and schedule.solver == "cp-sat"
    assert schedule.weighted_tardiness == 10 and schedule.lower_bound == 10
    assert [o.order for o in schedule.on("PRESS")] == ["WO-B", "WO-A"]


def test_among_equally_tardy_schedules_the_shortest_is_chosen() -> None:
    # Sequencing EDD is optimal here (60 min late in all); the makespan is then minimised too.
    problem = two_station_line()
    schedule = solve(problem, time_limit=10)
    assert schedule.status == "OPTIMAL"
    assert (schedule.weighted_tardiness, schedule.makespan) == (60, 210)


def test_no_operation_runs_in_a_break_or_on_a_holiday() -> None:
    day = [(0, 120), (135, 240), (270, 480)]
    windows = tuple((d * 1440 + a, d * 1440 + b) for d in (0, 2) for a, b in day)  # day 1 a holiday
    problem = Problem(
        resources=(Resource("MILL-1", windows), Resource("MILL-2", windows)),
        work_centres=(WorkCentre("MILL", ("MILL-1", "MILL-2")),),
        orders=tuple(
            Order(
                f"WO-{i}", (op(10, "MILL", minutes=50 + 7 * i), op(20, "MILL", minutes=40)), due=300
            )
            for i in range(8)
        ),
    )
    schedule = solve(problem, time_limit=2)
    assert check_schedule(problem, schedule) == []
    for o in schedule.operations:
        assert any(a <= o.start and o.end <= b for a, b in windows), o
        assert not 1440 <= o.start < 2 * 1440


def test_pins_and_running_work_are_kept() -> None:
    problem = Problem(
        resources=(Resource("S1"), Resource("S2")),
        orders=(
            Order("WO-1", (op(10, "S1", "S2", minutes=30), op(20, "S1", minutes=10)), due=40),
            Order("WO-2", (op(10, "S1", "S2", minutes=20),), due=500),
            Order("WO-3", (op(10, "S2", minutes=25), op(20, "S1", "S2", minutes=25)), due=30),
        ),
        pins=(Pin("WO-2", 10, "S1", 5),),
        running=(Running("WO-3", 10, "S2", -10, 15),),
    )
    schedule = solve(problem, time_limit=10)
    assert check_schedule(problem, schedule) == []
    pinned = schedule.operation("WO-2", 10)
    assert (pinned.resource, pinned.start, pinned.fixed) == ("S1", 5, True)
    running = schedule.operation("WO-3", 10)
    assert (running.resource, running.start, running.end) == ("S2", -10, 15)


def test_a_solve_stopped_early_returns_the_best_found_and_says_so() -> None:
    rng = random.Random(3)
    lines = ["15 15"] + [
        " ".join(f"{m} {rng.randrange(1, 100)}" for m in rng.sample(range(15), 15))
        for _ in range(15)
    ]
    problem = parse_jobshop("\n".join(lines))
    schedule = solve(problem, time_limit=0.5)
    assert check_schedule(problem, schedule) == []
    assert schedule.status == "FEASIBLE"
    assert "time limit" in schedule.note or schedule.solver == "greedy"
    assert schedule.lower_bound is None or schedule.lower_bound <= schedule.makespan


def test_when_the_solver_finds_nothing_in_time_the_dispatchers_schedule_is_used() -> None:
    problem = random_plant(7, orders=60, ops=5, centres=4, per_centre=3)
    schedule = solve(problem, time_limit=0.001)
    assert check_schedule(problem, schedule) == []
    assert schedule.solver == "greedy" and schedule.status == "FEASIBLE"
    assert "dispatcher's schedule (dispatched by " in schedule.note
    # The best of the dispatching rules: never worse than earliest due date first.
    assert schedule.weighted_tardiness <= greedy(problem).weighted_tardiness


def test_a_large_plant_is_improved_part_by_part() -> None:
    problem = random_plant(11, orders=40, ops=4, centres=3)
    baseline = greedy(problem)
    schedule = solve(problem, time_limit=3, full_model_max_ops=50)
    assert check_schedule(problem, schedule) == []
    assert schedule.solver == "cp-sat" and schedule.status == "FEASIBLE"
    assert "improved part by part" in schedule.note
    assert schedule.weighted_tardiness < baseline.weighted_tardiness
    assert schedule.lower_bound is not None
    assert 0 < schedule.lower_bound <= schedule.weighted_tardiness


def test_the_lower_bound_of_a_large_plant_counts_calendar_but_no_queue() -> None:
    from core.scheduling import resolve
    from server.scheduling.lns import relaxed_bound

    problem = Problem(
        resources=(Resource("S", windows=((0, 60), (100, 200))),),
        orders=(
            Order("WO-1", (op(10, "S", minutes=40), op(20, "S", minutes=30)), due=90),
            Order("WO-2", (op(10, "S", minutes=10),), due=5, weight=2),
        ),
    )
    # WO-1: op 10 0-40, op 20 cannot fit before 60, so 100-130: 40 late; WO-2: 0-10, 5 late x 2.
    assert relaxed_bound(problem, resolve(problem)) == 50


def test_an_impossible_problem_is_refused() -> None:
    problem = Problem((Resource("S"),), (Order("WO-1", (op(10, "PRESS", minutes=5),)),))
    with pytest.raises(ProblemError, match="unknown station PRESS"):
        solve(problem, time_limit=1)


@pytest.mark.parametrize("seed", range(6))
def test_weighted_tardiness_is_never_worse_than_the_dispatchers(seed: int) -> None:
    problem = random_plant(seed, orders=10, ops=3)
    baseline = greedy(problem)
    schedule = solve(problem, time_limit=5)
    assert check_schedule(problem, schedule) == []
    assert schedule.solver == "cp-sat"  # the solver's own answer, not the baseline kept
    assert schedule.weighted_tardiness <= baseline.weighted_tardiness


def test_the_solver_beats_the_dispatcher_on_most_random_plants() -> None:
    better = 0
    for seed in range(6):
        problem = random_plant(100 + seed, orders=12, ops=3, centres=2)
        if solve(problem, time_limit=1.5).weighted_tardiness < greedy(problem).weighted_tardiness:
            better += 1
    assert better >= 4


def test_lateness_explanations_name_the_bottleneck_station() -> None:
    # Three orders need the one grinder after a saw each; the grinder can only do one at a
    # time, so whichever order goes last waits for it, busy with the other two.
    problem = Problem(
        resources=(Resource("SAW-1"), Resource("SAW-2"), Resource("SAW-3"), Resource("GRIND")),
        orders=tuple(
            Order(
                f"WO-{i}",
                (op(10, f"SAW-{i}", minutes=10), op(20, "GRIND", minutes=60)),
                due=75,
                weight=w,
            )
            for i, w in ((1, 5), (2, 3), (3, 1))
        ),
    )
    schedule = solve(problem, time_limit=10)
    assert [o.order for o in schedule.on("GRIND")] == ["WO-1", "WO-2", "WO-3"]
    last = next(o for o in schedule.orders if o.order == "WO-3")
    assert last.lateness is not None and last.lateness.bottleneck == "GRIND"
    assert "op 20 waited 120 min for GRIND (busy with WO-1 op 20, WO-2 op 20)" in last.lateness.text
