"""Hypothesis strategies: small random plants (stations with or without calendars, work
centres, orders with due dates, releases and material; optionally pins and running work)."""

from __future__ import annotations

from hypothesis import strategies as st

from core.scheduling import (
    Operation,
    Order,
    Pin,
    Problem,
    Resource,
    Running,
    WorkCentre,
    greedy,
)


@st.composite
def _plant(draw: st.DrawFn, pins: bool) -> Problem:
    resources = []
    for i in range(draw(st.integers(1, 4))):
        windows = None
        if draw(st.booleans()):
            on, off = draw(st.integers(30, 90)), draw(st.integers(5, 60))
            offset, period = draw(st.integers(0, 50)), on + off
            windows = tuple((offset + k * period, offset + k * period + on) for k in range(80))
        resources.append(Resource(f"S{i}", windows))
    names = [r.id for r in resources]
    centres = (WorkCentre("WC", tuple(names[:2])),) if len(names) >= 2 else ()
    choices = names + [c.id for c in centres]
    orders = []
    for j in range(draw(st.integers(1, 5))):
        operations = tuple(
            Operation(
                10 * (k + 1),
                tuple(
                    draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
                ),
                setup=draw(st.integers(0, 20)),
                per_unit=draw(st.sampled_from((0, 0.5, 1))),
            )
            for k in range(draw(st.integers(1, 4)))
        )
        orders.append(
            Order(
                f"WO-{j}",
                operations,
                quantity=draw(st.integers(1, 10)),
                due=draw(st.none() | st.integers(0, 400)),
                weight=draw(st.integers(1, 3)),
                release=draw(st.integers(0, 100)),
                material_ready=draw(st.integers(0, 150)),
            )
        )
    problem = Problem(tuple(resources), tuple(orders), centres)
    if not pins:
        return problem
    # Pins and running work taken from a schedule that exists, so the problem stays solvable.
    placed = {(o.order, o.seq): o for o in greedy(problem).operations}
    fixed = draw(st.lists(st.sampled_from(sorted(placed)), max_size=4, unique=True))
    pinned, running = [], []
    for key in fixed:
        o = placed[key]
        first = next(x for x in problem.orders if x.id == key[0]).operations[0].seq
        if key[1] == first and draw(st.booleans()):
            running.append(Running(o.order, o.seq, o.resource, o.start, o.end))
        else:
            pinned.append(Pin(o.order, o.seq, o.resource, o.start))
    return Problem(problem.resources, problem.orders, centres, tuple(pinned), tuple(running))


def small_problems(pins: bool = True) -> st.SearchStrategy[Problem]:
    return _plant(pins)
