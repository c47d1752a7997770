"""The dispatcher: a deterministic schedule in one pass, the baseline and the fallback.

Orders are taken earliest due date first (orders without one last), then the
higher weight, then by order id. Each operation in turn goes where it ends
soonest: the first free slot, at or after its predecessor ends, on any station
that may run it, inside one working window, around what is already placed.
Pinned and running operations are placed before anything else.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from core.scheduling.calendar import Occupancy
from core.scheduling.model import Order, Problem, ProblemError, duration
from core.scheduling.schedule import Schedule, build_schedule
from core.scheduling.tasks import Key, Task, resolve

Priority = Callable[[Order], Any]
"""Sort key of a dispatching rule: orders with the smaller key are placed first."""


def dispatch_order(order: Order) -> tuple[float, int, str]:
    """The dispatcher's priority: due date, then weight (higher first), then id."""
    return (math.inf if order.due is None else order.due, -order.weight, order.id)


def priority_rules(problem: Problem) -> dict[str, Priority]:
    """Dispatching rules a search may start from: earliest due date, and the due date
    brought forward by the order's weight times k mean order work (k = 0.5 to 4), with or
    without the order's own work taken off too (modified due date)."""
    work = {o.id: sum(duration(o, op) for op in o.operations) for o in problem.orders}
    mean = statistics.fmean(work.values()) if work else 0.0

    def rule(k: float, own: bool) -> Priority:
        def key(o: Order) -> tuple[float, int, str]:
            if o.due is None:
                return (math.inf, -o.weight, o.id)
            return (o.due - k * mean * o.weight - (work[o.id] if own else 0), -o.weight, o.id)

        return key

    rules: dict[str, Priority] = {"earliest due date": dispatch_order}
    for k in (0.5, 1, 2, 4):
        rules[f"weighted due date (k={k:g})"] = rule(k, False)
        rules[f"weighted modified due date (k={k:g})"] = rule(k, True)
    return rules


def _deadlines(chain: tuple[Task, ...]) -> list[float]:
    """The latest end of each task that still lets a later fixed task start on time."""
    out = [math.inf] * len(chain)
    latest = math.inf
    for i in range(len(chain) - 1, -1, -1):
        out[i] = latest
        task = chain[i]
        latest = task.fixed[1] if task.fixed is not None else latest - task.length
    return out


def greedy(
    problem: Problem, priority: Priority = dispatch_order, rule: str = "earliest due date"
) -> Schedule:
    """The dispatcher's schedule, orders taken in ``priority`` order (``rule`` names it in
    the note). Raises ProblemError if an operation finds no slot (the calendars end too
    soon) or cannot finish before a pinned successor."""
    started = time.perf_counter()
    resolved = resolve(problem)
    occupancy = {r: Occupancy() for r in resolved.resources}
    placements: dict[Key, tuple[str, int]] = {}
    for task in resolved.tasks:
        if task.fixed is not None:
            resource, start, end = task.fixed
            occupancy[resource].add(start, end)
            placements[task.key] = (resource, start)
    rank = {r: i for i, r in enumerate(resolved.resources)}
    pairs = sorted(
        zip(problem.orders, resolved.chains, strict=True), key=lambda pair: priority(pair[0])
    )
    for order, chain in pairs:
        ready = order.earliest
        deadlines = _deadlines(chain)
        for i, task in enumerate(chain):
            if task.fixed is not None:
                ready = task.fixed[2]
                continue
            best: tuple[int, int, int, str] | None = None
            for resource in task.eligible:
                fit = occupancy[resource].first_fit(resolved.windows(resource), ready, task.length)
                if fit is None:
                    continue
                candidate = (fit + task.length, fit, rank[resource], resource)
                if best is None or candidate < best:
                    best = candidate
            if best is None:
                raise ProblemError(
                    [
                        f"{order.id} op {task.seq} finds no free working window "
                        f"on {', '.join(task.eligible)} after minute {ready}: "
                        "the calendars end too soon"
                    ]
                )
            end, start, _, resource = best
            if end > deadlines[i]:
                raise ProblemError(
                    [
                        f"{order.id} op {task.seq} cannot end before the pinned "
                        f"op after it needs ({deadlines[i]:.0f})"
                    ]
                )
            occupancy[resource].add(start, end)
            placements[task.key] = (resource, start)
            ready = end
    return build_schedule(
        problem,
        resolved,
        placements,
        status="FEASIBLE",
        solver="greedy",
        note=f"dispatched by {rule}",
        solve_seconds=time.perf_counter() - started,
    )
