"""Large plants: improve a schedule by re-solving small parts of it with CP-SAT.

For hundreds of orders a single CP-SAT model spends most of a minute in
presolve and barely moves off its starting point on two workers. Large
neighbourhood search instead frees a few dozen operations at a time (those
around a late order on the stations it uses, or a slice of time across the
plant), keeps every other operation where it is, and asks CP-SAT for the best
placement of the freed ones: each must fit in a gap the fixed work and the
calendar leave on its station, after its fixed predecessor and before its fixed
successor. A move is kept when it lowers the weighted tardiness, or keeps it
and does not make the freed operations end later in sum. The neighbourhood
grows while sub-problems are solved to optimality and shrinks while they time
out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from core.scheduling.calendar import starts as fitting_starts
from core.scheduling.calendar import subtract
from core.scheduling.model import Problem, Window
from core.scheduling.tasks import Key, Resolved, Task

MIN_SIZE, START_SIZE, MAX_SIZE = 15, 50, 250


@dataclass(frozen=True, slots=True)
class Search:
    """What a neighbourhood search did."""

    rounds: int
    improved: int
    seconds: float


class _State:
    def __init__(
        self,
        problem: Problem,
        resolved: Resolved,
        placements: Mapping[Key, tuple[str, int]],
        hi: int,
    ) -> None:
        self.resolved = resolved
        self.hi = hi
        self.tasks: dict[Key, Task] = {t.key: t for t in resolved.tasks}
        self.place = dict(placements)
        self.pred: dict[Key, Key] = {}
        self.succ: dict[Key, Key] = {}
        self.last: dict[str, Key] = {}
        for chain in resolved.chains:
            for a, b in zip(chain, chain[1:], strict=False):
                self.pred[b.key], self.succ[a.key] = a.key, b.key
            if chain:
                self.last[chain[-1].order] = chain[-1].key
        self.orders = {o.id: o for o in problem.orders}
        self.movable = sorted(k for k, t in self.tasks.items() if t.fixed is None)
        self.due_dates = any(o.due is not None for o in problem.orders)
        self.movable_of: dict[str, list[Key]] = {
            chain[0].order: [t.key for t in chain if t.fixed is None]
            for chain in resolved.chains
            if chain
        }

    def end(self, key: Key) -> int:
        task = self.tasks[key]
        if task.running and task.fixed is not None:
            return task.fixed[2]
        return self.place[key][1] + task.length

    def lateness(self, order: str) -> int:
        o = self.orders[order]
        if o.due is None:
            return 0
        return o.weight * max(0, self.end(self.last[order]) - o.due)


def _whole_orders(state: _State, ranked: list[str], size: int) -> list[Key]:
    out: list[Key] = []
    for order in ranked:
        own = state.movable_of[order]
        if out and len(out) + len(own) > size:
            break
        out.extend(own)
    return out


def _neighbourhood(state: _State, rng: random.Random, size: int) -> list[Key]:
    """The operations to free: whole orders near a late one (so that orders can trade
    places), whole orders at work at some moment, or a slice of operations in time."""
    late = [(o, w) for o in state.last if (w := state.lateness(o)) > 0]
    spans = {
        o: (state.place[ks[0]][1], state.end(ks[-1])) for o, ks in state.movable_of.items() if ks
    }
    roll = rng.random()
    if late and roll < 0.45:
        order = rng.choices([o for o, _ in late], weights=[w for _, w in late])[0]
        if order in spans:
            stations = {r for k in state.movable_of[order] for r in state.tasks[k].eligible}
            lo, hi = spans[order]
            rivals = [
                o
                for o, (a, b) in spans.items()
                if o != order
                and a < hi
                and b > lo
                and any(set(state.tasks[k].eligible) & stations for k in state.movable_of[o])
            ]
            rng.shuffle(rivals)
            rivals.sort(key=lambda o: abs(spans[o][0] - lo) // 240)
            return _whole_orders(state, [order, *rivals], size)
    if spans and roll < 0.8:
        moment = rng.randrange(
            min(a for a, _ in spans.values()), max(b for _, b in spans.values()) + 1
        )
        active = [o for o, (a, b) in spans.items() if a <= moment < b] or list(spans)
        rng.shuffle(active)
        active.sort(key=lambda o: abs((spans[o][0] + spans[o][1]) // 2 - moment) // 240)
        return _whole_orders(state, active, size)
    by_start = sorted(state.movable, key=lambda k: (state.place[k][1], k))
    if rng.random() < 0.5:
        group = set(state.tasks[rng.choice(state.movable)].eligible)
        by_start = [k for k in by_start if set(state.tasks[k].eligible) & group]
    first = rng.randrange(max(len(by_start) - size, 0) + 1)
    return by_start[first : first + size]


def _gaps(state: _State, freed: set[Key], hi: int) -> dict[str, tuple[Window, ...]]:
    busy: dict[str, list[Window]] = {r: [] for r in state.resolved.resources}
    for key, (resource, start) in state.place.items():
        if key not in freed:
            end = state.end(key)
            if end > start:
                busy[resource].append((start, end))
    lo = min(0, *(s for _, s in state.place.values()))
    out = {}
    for resource, spans in busy.items():
        windows = state.resolved.windows(resource)
        out[resource] = subtract(windows if windows is not None else ((lo, hi),), spans)
    return out


def _round(
    state: _State, freed: list[Key], seconds: float, workers: int, seed: int, reach: int
) -> tuple[bool, bool]:
    """Re-solve the freed operations; returns (solved to optimality, moved)."""
    free = set(freed)
    # Nothing freed needs to end later than everything now ends plus the freed work itself.
    hi = min(
        state.hi, max(state.end(k) for k in state.place) + sum(state.tasks[k].length for k in freed)
    )
    gaps = _gaps(state, free, hi)
    lowest = hi
    m = cp_model.CpModel()
    start_of: dict[Key, cp_model.IntVar] = {}
    choice: dict[Key, dict[str, cp_model.IntVar]] = {}
    on: dict[str, list[cp_model.IntervalVar]] = {}
    for key in freed:
        task = state.tasks[key]
        lb = task.earliest
        if key in state.pred and state.pred[key] not in free:
            lb = max(lb, state.end(state.pred[key]))
        ub = hi
        if key in state.succ and state.succ[key] not in free:
            ub = state.place[state.succ[key]][1]
        # Each freed operation moves at most `reach` minutes either way: small moves, many
        # of them, beat a sub-problem too wide to solve in its time.
        current = state.place[key][1]
        lb, ub = max(lb, current - reach), min(ub, current + task.length + reach)
        lowest = min(lowest, lb)
        options = {}
        for resource in task.eligible:
            ranges = fitting_starts(gaps[resource], task.length, lb, ub - task.length)
            if ranges:
                options[resource] = ranges
        union = sorted({r for ranges in options.values() for r in ranges})
        start = m.new_int_var_from_domain(
            cp_model.Domain.from_intervals([list(r) for r in union]), ""
        )
        start_of[key] = start
        choice[key] = {}
        for resource, ranges in options.items():
            present = m.new_constant(1) if len(options) == 1 else m.new_bool_var("")
            choice[key][resource] = present
            on.setdefault(resource, []).append(
                m.new_optional_fixed_size_interval_var(start, task.length, present, "")
            )
            if len(options) > 1 and ranges != union:
                m.add_linear_expression_in_domain(
                    start, cp_model.Domain.from_intervals([list(r) for r in ranges])
                ).only_enforce_if(present)
        if len(options) > 1:
            m.add_exactly_one(choice[key].values())
        current_resource, current_start = state.place[key]
        m.add_hint(start, current_start)
        if len(options) > 1:
            for resource, present in choice[key].items():
                m.add_hint(present, resource == current_resource)
    for intervals in on.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    for key in freed:
        nxt = state.succ.get(key)
        if nxt in free:
            m.add(start_of[nxt] >= start_of[key] + state.tasks[key].length)
    ends = sum(start_of[k] + state.tasks[k].length for k in freed)
    old_ends = sum(state.end(k) for k in freed)
    primary: list[cp_model.LinearExprT] = []
    if state.due_dates:
        old_primary = 0
        for key in freed:
            task = state.tasks[key]
            order = state.orders[task.order]
            if state.last[task.order] == key and order.due is not None and order.weight:
                late = m.new_int_var(0, max(hi - order.due, 0), "")
                m.add(late >= start_of[key] + task.length - order.due)
                m.add_hint(late, max(0, state.end(key) - order.due))
                primary.append(order.weight * late)
                old_primary += state.lateness(task.order)
    else:
        others = max((state.end(k) for k in state.place if k not in free), default=0)
        last = m.new_int_var(others, max(hi, others), "")
        for key in freed:
            m.add(last >= start_of[key] + state.tasks[key].length)
        m.add_hint(last, max(others, *(state.end(k) for k in freed)))
        primary.append(last)
        old_primary = max(others, *(state.end(k) for k in freed))
    # The sum of ends breaks ties only: all its range is worth less than one minute late.
    weight = len(freed) * (hi - min(lowest, 0) + 1) + 1
    m.minimize(weight * cp_model.LinearExpr.sum(primary) + ends if primary else ends)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False, False
    new = (sum(int(solver.value(t)) for t in primary), int(solver.value(ends)))
    old = (old_primary, old_ends)
    moved = new < old
    if new <= old:
        for key in freed:
            [resource] = [r for r, p in choice[key].items() if solver.boolean_value(p)]
            state.place[key] = (resource, int(solver.value(start_of[key])))
    return status == cp_model.OPTIMAL, moved


def improve(
    problem: Problem,
    resolved: Resolved,
    placements: Mapping[Key, tuple[str, int]],
    *,
    hi: int,
    deadline: float,
    num_workers: int,
    seed: int = 0,
    round_seconds: float = 0.3,
    reach: int = 2 * 1440,
) -> tuple[dict[Key, tuple[str, int]], Search]:
    """``placements`` (a valid schedule, every operation) improved until ``deadline``
    (a ``time.perf_counter()`` value). ``hi`` bounds every end."""
    started = time.perf_counter()
    state = _State(problem, resolved, placements, hi)
    rng = random.Random(seed)
    size, rounds, improved = START_SIZE, 0, 0
    if not state.movable:
        return dict(state.place), Search(0, 0, 0.0)
    while (left := deadline - time.perf_counter()) > 0.05:
        freed = _neighbourhood(state, rng, min(size, len(state.movable)))
        if not freed:
            break
        optimal, moved = _round(
            state, freed, min(round_seconds, left), num_workers, rng.randrange(1 << 30), reach
        )
        rounds += 1
        improved += moved
        size = min(int(size * 1.2) + 1, MAX_SIZE) if optimal else max(int(size * 0.8), MIN_SIZE)
    return dict(state.place), Search(rounds, improved, time.perf_counter() - started)


def relaxed_bound(problem: Problem, resolved: Resolved) -> int:
    """A lower bound on the weighted tardiness: each order alone in the plant, every
    operation at the first working window that fits it after its predecessor, no queue."""
    total = 0
    for order, chain in zip(problem.orders, resolved.chains, strict=True):
        if order.due is None or not chain:
            continue
        t = order.earliest
        for task in chain:
            if task.fixed is not None:
                t = task.fixed[2]
                continue
            first = [
                ranges[0][0]
                for r in task.eligible
                if (ranges := fitting_starts(resolved.windows(r), task.length, t, 1 << 60))
            ]
            t = min(first) + task.length
        total += order.weight * max(0, t - order.due)
    return total
