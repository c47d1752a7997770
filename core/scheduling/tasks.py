"""The problem resolved for solving: one task per operation, with its length, eligible
stations, earliest start and fixed placement; and the checks that reject a problem no
schedule can satisfy."""

from __future__ import annotations

from dataclasses import dataclass

from core.scheduling.calendar import fits, starts
from core.scheduling.model import Problem, ProblemError, Resource, Window, duration

Key = tuple[str, int]
"""An operation: (order id, operation seq)."""


@dataclass(frozen=True, slots=True)
class Task:
    order: str
    seq: int
    position: int  # index in the order's chain
    length: int
    eligible: tuple[str, ...]
    earliest: int  # the order's release / material time (first operation only)
    fixed: tuple[str, int, int] | None = None  # (resource, start, end) when pinned or running
    running: bool = False

    @property
    def key(self) -> Key:
        return (self.order, self.seq)


@dataclass(frozen=True, slots=True)
class Resolved:
    """Tasks per order in chain order, stations by id."""

    chains: tuple[tuple[Task, ...], ...]
    resources: dict[str, Resource]

    @property
    def tasks(self) -> list[Task]:
        return [t for chain in self.chains for t in chain]

    def windows(self, resource: str) -> tuple[Window, ...] | None:
        return self.resources[resource].windows


def _eligible(problem: Problem, names: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    centres = {w.id: w.stations for w in problem.work_centres}
    known = {r.id for r in problem.resources}
    out: list[str] = []
    unknown: list[str] = []
    for name in names:
        for station in centres.get(name, (name,)):
            if station not in known:
                unknown.append(station)
            elif station not in out:
                out.append(station)
    return tuple(out), unknown


def resolve(problem: Problem) -> Resolved:
    """The problem's tasks; raises ProblemError listing everything that makes it unsolvable."""
    errors: list[str] = []
    resources = {r.id: r for r in problem.resources}
    if len(resources) != len(problem.resources):
        errors.append("a station id appears twice")
    pins = {(p.order, p.seq): p for p in problem.pins}
    running = {(r.order, r.seq): r for r in problem.running}
    if len(pins) != len(problem.pins) or len(running) != len(problem.running):
        errors.append("an operation is pinned or marked running twice")
    for key in pins.keys() & running.keys():
        errors.append(f"{key[0]} op {key[1]} is both pinned and running")
    seen_orders: set[str] = set()
    known_ops: set[Key] = set()
    chains: list[tuple[Task, ...]] = []
    for order in problem.orders:
        if order.id in seen_orders:
            errors.append(f"order {order.id} appears twice")
        seen_orders.add(order.id)
        if order.weight < 0:
            errors.append(f"{order.id}: weight {order.weight} is negative")
        seqs = [op.seq for op in order.operations]
        if len(set(seqs)) != len(seqs):
            errors.append(f"{order.id}: an operation number appears twice")
        chain: list[Task] = []
        for i, op in enumerate(order.operations):
            where = f"{order.id} op {op.seq}"
            key = (order.id, op.seq)
            known_ops.add(key)
            eligible, unknown = _eligible(problem, op.resources)
            if unknown:
                errors.append(f"{where}: unknown station {', '.join(sorted(set(unknown)))}")
            if not eligible:
                errors.append(f"{where}: no station may run it")
                continue
            length = duration(order, op)
            fixed: tuple[str, int, int] | None = None
            if key in running:
                r = running[key]
                if i != 0:
                    errors.append(
                        f"{where} is running: leave the operations before it out (they are done)"
                    )
                if r.end < r.start:
                    errors.append(f"{where} is running but ends before it starts")
                fixed = (r.resource, r.start, r.end)
            elif key in pins:
                p = pins[key]
                fixed = (p.resource, p.start, p.start + length)
                if p.resource in resources and not fits(
                    resources[p.resource].windows, p.start, p.start + length
                ):
                    errors.append(
                        f"{where} is pinned at {p.start} on {p.resource}, outside "
                        "its working windows"
                    )
                if i == 0 and p.start < order.earliest:
                    errors.append(
                        f"{where} is pinned at {p.start}, before the order may start "
                        f"({order.earliest})"
                    )
            if fixed is not None and fixed[0] not in eligible:
                errors.append(f"{where} is fixed on {fixed[0]}, which may not run it")
            if fixed is None and not any(
                starts(resources[r].windows, length, order.earliest, 1 << 60) for r in eligible
            ):
                errors.append(
                    f"{where} takes {length} min: longer than every working window "
                    f"left on {', '.join(eligible)}"
                )
            chain.append(
                Task(
                    order.id,
                    op.seq,
                    i,
                    length,
                    eligible,
                    order.earliest if i == 0 else 0,
                    fixed,
                    key in running,
                )
            )
        chains.append(tuple(chain))
    for done in chains:
        for a, b in zip(done, done[1:], strict=False):
            if a.fixed is not None and b.fixed is not None and b.fixed[1] < a.fixed[2]:
                errors.append(
                    f"{b.order} op {b.seq} is fixed to start at {b.fixed[1]}, before "
                    f"op {a.seq} ends ({a.fixed[2]})"
                )
    for key in (pins.keys() | running.keys()) - known_ops:
        errors.append(f"{key[0]} op {key[1]} is pinned or running but is not in any order")
    fixed_on: dict[str, list[tuple[int, int, Key]]] = {}
    for done in chains:
        for t in done:
            if t.fixed is not None and t.fixed[2] > t.fixed[1]:
                fixed_on.setdefault(t.fixed[0], []).append((t.fixed[1], t.fixed[2], t.key))
    for resource, spans in fixed_on.items():
        spans.sort()
        for (_, e0, k0), (s1, _, k1) in zip(spans, spans[1:], strict=False):
            if s1 < e0:
                errors.append(
                    f"{k0[0]} op {k0[1]} and {k1[0]} op {k1[1]} are both fixed on "
                    f"{resource} at the same time"
                )
    if errors:
        raise ProblemError(errors)
    return Resolved(tuple(chains), resources)
