"""Property: both solvers' schedules keep every rule on random small plants, pins included."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from core.scheduling import ProblemError, check_schedule, greedy
from server.scheduling.cpsat import solve
from tests.core.scheduling.plants import small_problems


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(pins=True))
def test_both_solvers_keep_every_rule(problem) -> None:  # type: ignore[no-untyped-def]
    try:
        baseline = greedy(problem)
    except ProblemError:
        baseline = None  # pins the one-pass dispatcher cannot work around; the solver must
    else:
        assert check_schedule(problem, baseline) == []
    schedule = solve(problem, time_limit=5, num_workers=2)
    assert check_schedule(problem, schedule) == []
    if baseline is not None:
        assert (schedule.weighted_tardiness, schedule.makespan) <= (
            baseline.weighted_tardiness,
            baseline.makespan,
        )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(pins=True))
def test_the_part_by_part_search_keeps_every_rule(problem) -> None:  # type: ignore[no-untyped-def]
    # Every problem counts as large here, so the search re-solves parts of the dispatcher's.
    schedule = solve(problem, time_limit=0.3, num_workers=2, full_model_max_ops=0)
    assert check_schedule(problem, schedule) == []
