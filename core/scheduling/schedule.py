"""A schedule: where and when each operation runs, each order's completion and tardiness,
the totals, and why the late orders are late."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.scheduling.calendar import starts as fitting_starts
from core.scheduling.explain import Lateness, Placed, explain
from core.scheduling.model import Problem
from core.scheduling.tasks import Key, Resolved, Task

STATUSES = ("OPTIMAL", "FEASIBLE")


@dataclass(frozen=True, slots=True)
class ScheduledOperation:
    order: str
    seq: int
    resource: str
    start: int
    end: int
    fixed: bool = False  # pinned or running: the solver did not choose it


@dataclass(frozen=True, slots=True)
class OrderResult:
    order: str
    completion: int
    due: int | None
    tardiness: int
    weight: int
    lateness: Lateness | None  # None when on time


@dataclass(frozen=True, slots=True)
class Schedule:
    """A solver's answer.

    ``status`` is OPTIMAL when the solver proved no schedule is better on its
    objective (weighted tardiness, then makespan), else FEASIBLE. ``solver``
    says which produced it ("cp-sat" or "greedy"), ``note`` why (a time limit
    reached, a fallback taken). ``lower_bound`` is a proven bound on the first
    objective (weighted tardiness when any order has a due date, else makespan).
    """

    operations: tuple[ScheduledOperation, ...]
    orders: tuple[OrderResult, ...]
    weighted_tardiness: int
    total_tardiness: int
    makespan: int
    status: str
    solver: str
    note: str = ""
    solve_seconds: float = 0.0
    lower_bound: int | None = None

    def on(self, resource: str) -> list[ScheduledOperation]:
        """The operations a station runs, in time order."""
        return sorted(
            (o for o in self.operations if o.resource == resource), key=lambda o: (o.start, o.end)
        )

    def operation(self, order: str, seq: int) -> ScheduledOperation:
        return next(o for o in self.operations if o.order == order and o.seq == seq)

    def late(self) -> list[OrderResult]:
        return [o for o in self.orders if o.tardiness > 0]

    def placements(self) -> dict[Key, tuple[str, int]]:
        return {(o.order, o.seq): (o.resource, o.start) for o in self.operations}


def has_due_dates(problem: Problem) -> bool:
    return any(o.due is not None for o in problem.orders)


def _end(task: Task, start: int) -> int:
    if task.running and task.fixed is not None:
        return task.fixed[2]
    return start + task.length


def by_resource(placed: Mapping[Key, Placed]) -> dict[str, list[tuple[int, int, Key]]]:
    out: dict[str, list[tuple[int, int, Key]]] = {}
    for key, (resource, start, end) in placed.items():
        out.setdefault(resource, []).append((start, end, key))
    for spans in out.values():
        spans.sort()
    return out


def compact(
    resolved: Resolved, placements: Mapping[Key, tuple[str, int]]
) -> dict[Key, tuple[str, int]]:
    """Every operation moved as early as it can go, keeping each station's sequence.

    Never makes an operation end later: a solver's schedule may leave slack
    where its objective does not care; the floor wants work done early.
    """
    tasks = {t.key: t for t in resolved.tasks}
    chain_pos = {t.key: t.position for t in tasks.values()}
    order_rank = {chain[0].order: i for i, chain in enumerate(resolved.chains) if chain}
    placed = {k: (r, s, _end(tasks[k], s)) for k, (r, s) in placements.items()}
    sequence = sorted(
        placed, key=lambda k: (placed[k][1], placed[k][2], order_rank[k[0]], chain_pos[k])
    )
    last_on: dict[str, int] = {}
    new_end: dict[Key, int] = {}
    out: dict[Key, tuple[str, int]] = {}
    for key in sequence:
        task = tasks[key]
        resource, start, end = placed[key]
        if task.fixed is not None:
            begin = start
        else:
            ready = task.earliest
            if task.position > 0:
                prev = resolved.chains[order_rank[key[0]]][task.position - 1]
                ready = max(ready, new_end[prev.key])
            ready = max(ready, last_on.get(resource, ready))
            ranges = fitting_starts(resolved.windows(resource), task.length, ready, start)
            begin = ranges[0][0] if ranges else start
        out[key] = (resource, begin)
        new_end[key] = _end(task, begin)
        last_on[resource] = max(last_on.get(resource, new_end[key]), new_end[key])
    return out


def build_schedule(
    problem: Problem,
    resolved: Resolved,
    placements: Mapping[Key, tuple[str, int]],
    *,
    status: str,
    solver: str,
    note: str = "",
    solve_seconds: float = 0.0,
    lower_bound: int | None = None,
) -> Schedule:
    """The schedule for the given (resource, start) of every operation, with totals and
    lateness explanations."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    tasks = {t.key: t for t in resolved.tasks}
    placed: dict[Key, Placed] = {k: (r, s, _end(tasks[k], s)) for k, (r, s) in placements.items()}
    spans = by_resource(placed)
    operations = tuple(
        ScheduledOperation(k[0], k[1], r, s, e, tasks[k].fixed is not None)
        for k, (r, s, e) in sorted(placed.items(), key=lambda kv: (kv[1][1], kv[1][0], kv[0]))
    )
    results = []
    for order, chain in zip(problem.orders, resolved.chains, strict=True):
        if not chain:
            continue
        completion = max(placed[t.key][2] for t in chain)
        tardiness = max(0, completion - order.due) if order.due is not None else 0
        lateness = (
            explain(resolved, order, chain, placed, spans, problem.origin) if tardiness else None
        )
        results.append(
            OrderResult(order.id, completion, order.due, tardiness, order.weight, lateness)
        )
    return Schedule(
        operations=operations,
        orders=tuple(results),
        weighted_tardiness=sum(r.tardiness * r.weight for r in results),
        total_tardiness=sum(r.tardiness for r in results),
        makespan=max((o.end for o in operations), default=0),
        status=status,
        solver=solver,
        note=note,
        solve_seconds=solve_seconds,
        lower_bound=lower_bound,
    )
