"""Property: every schedule the dispatcher makes keeps every rule (random small plants)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.scheduling import check_schedule, greedy
from tests.core.scheduling.plants import small_problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(pins=False))
def test_the_dispatcher_keeps_every_rule(problem) -> None:  # type: ignore[no-untyped-def]
    schedule = greedy(problem)
    assert check_schedule(problem, schedule) == []
    assert schedule.weighted_tardiness == sum(o.tardiness * o.weight for o in schedule.orders)
    assert schedule.makespan == max((o.end for o in schedule.operations), default=0)


@settings(max_examples=60, deadline=None)
@given(small_problems(pins=False), st.data())
def test_the_dispatcher_is_deterministic(problem, data) -> None:  # type: ignore[no-untyped-def]
    assert greedy(problem).operations == greedy(problem).operations
