"""The CP-SAT solver (OR-Tools) for ``core.scheduling`` problems.

Model: one interval per operation; where several stations may run it, one
optional interval per station with exactly one present (the station it runs
on) and its start restricted to the minutes at which it fits inside one of
that station's working windows. Per station a NoOverlap over its intervals
plus fixed intervals covering the time off shift; each operation starts after
its predecessor ends and the first after the order's release and material;
pinned and running operations are constants.

Objective, lexicographic, in two solves: first the weighted tardiness
(sum of weight x minutes late), then, holding it at the value found, the
makespan. Problems without due dates (the job shop) have only the second.
The dispatcher's schedule is the solver's starting hint, the fallback when
the solver finds nothing in time, and is returned instead whenever the
solver's best is worse (so the answer is never worse than the baseline).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ortools.sat.python import cp_model

from core.scheduling.calendar import starts as fitting_starts
from core.scheduling.greedy import dispatch_order, greedy, priority_rules
from core.scheduling.model import Problem, ProblemError
from core.scheduling.schedule import Schedule, build_schedule, compact, has_due_dates
from core.scheduling.tasks import Key, Resolved, resolve
from server.scheduling.lns import improve, relaxed_bound

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_WORKERS = 2
FULL_MODEL_MAX_OPS = 400  # beyond this one model spends the time limit in presolve
_MIN_STAGE_SECONDS = 0.05  # below this a second solve is not worth starting


def _horizon(resolved: Resolved, baseline: Schedule | None) -> tuple[int, int]:
    tasks = resolved.tasks
    lo = min([0, *(t.fixed[1] for t in tasks if t.fixed is not None)])
    settled = max(
        [
            0,
            *(t.earliest for t in tasks),
            *(t.fixed[2] for t in tasks if t.fixed is not None),
            *(w[-1][1] for r in resolved.resources.values() if (w := r.windows)),
        ]
    )
    # A schedule with every operation as early as it can go ends by then.
    hi = settled + sum(t.length for t in tasks if t.fixed is None)
    if baseline is not None:
        hi = max(hi, baseline.makespan)
    return lo, hi


class _Model:
    def __init__(self, problem: Problem, resolved: Resolved, lo: int, hi: int) -> None:
        m = self.model = cp_model.CpModel()
        self.starts: dict[Key, cp_model.IntVar | int] = {}
        self.ends: dict[Key, cp_model.LinearExprT] = {}
        # Per operation the station it must run on, or its station choices (one true).
        self.choice: dict[Key, str | dict[str, cp_model.IntVar]] = {}
        on: dict[str, list[cp_model.IntervalVar]] = {r: [] for r in resolved.resources}
        for task in resolved.tasks:
            key, name = task.key, f"{task.order}/{task.seq}"
            if task.fixed is not None:
                resource, start, end = task.fixed
                self.starts[key], self.ends[key] = start, end
                on[resource].append(m.new_fixed_size_interval_var(start, end - start, name))
                continue
            options: dict[str, list[tuple[int, int]]] = {}
            for resource in task.eligible:
                ranges = fitting_starts(
                    resolved.windows(resource), task.length, task.earliest, hi - task.length
                )
                if ranges:
                    options[resource] = ranges
            if not options:
                raise ProblemError([f"{name} fits in no working window before minute {hi}"])
            union = sorted({r for ranges in options.values() for r in ranges})
            start_var = m.new_int_var_from_domain(
                cp_model.Domain.from_intervals([list(r) for r in union]), f"s {name}"
            )
            self.starts[key] = start_var
            self.ends[key] = start_var + task.length
            if len(options) == 1:
                [(resource, _)] = options.items()
                on[resource].append(m.new_fixed_size_interval_var(start_var, task.length, name))
                self.choice[key] = resource
                continue
            chosen = {}
            for resource, ranges in options.items():
                present = m.new_bool_var(f"{name} on {resource}")
                chosen[resource] = present
                on[resource].append(
                    m.new_optional_fixed_size_interval_var(
                        start_var, task.length, present, f"{name} {resource}"
                    )
                )
                if ranges != union:
                    m.add_linear_expression_in_domain(
                        start_var, cp_model.Domain.from_intervals([list(r) for r in ranges])
                    ).only_enforce_if(present)
            m.add_exactly_one(chosen.values())
            self.choice[key] = chosen
        for resource, intervals in on.items():
            windows = resolved.windows(resource)
            if windows is not None:
                edges = [lo, *(x for w in windows for x in w), hi]
                for off0, off1 in zip(edges[::2], edges[1::2], strict=True):
                    if off1 > off0:
                        intervals.append(m.new_fixed_size_interval_var(off0, off1 - off0, "off"))
            if len(intervals) > 1:
                m.add_no_overlap(intervals)
        for chain in resolved.chains:
            for a, b in zip(chain, chain[1:], strict=False):
                m.add(self.starts[b.key] >= self.ends[a.key])
        self.makespan = m.new_int_var(0, max(hi, 0), "makespan")
        for chain in resolved.chains:
            if chain:
                m.add(self.makespan >= self.ends[chain[-1].key])
        self.fixed_ends = [t.fixed[2] for t in resolved.tasks if t.fixed is not None]
        for end in self.fixed_ends:
            m.add(self.makespan >= end)
        terms = []
        self.late: dict[str, cp_model.IntVar] = {}
        for order, chain in zip(problem.orders, resolved.chains, strict=True):
            if order.due is None or not chain or order.weight == 0:
                continue
            late = m.new_int_var(0, max(hi - order.due, 0), f"late {order.id}")
            m.add(late >= self.ends[chain[-1].key] - order.due)
            self.late[order.id] = late
            terms.append(order.weight * late)
        self.tardiness = sum(terms) if terms else 0

    def hint(
        self,
        placements: Mapping[Key, tuple[str, int]],
        lengths: Mapping[Key, int],
        due: Mapping[str, int],
    ) -> None:
        """A complete hint (starts, stations, minutes late, makespan): the solver takes it
        as its first solution without searching."""
        m = self.model
        m.clear_hints()
        ends = {k: s + lengths[k] for k, (_, s) in placements.items()}
        by_order: dict[str, int] = {}
        for (order, _), end in ends.items():
            by_order[order] = max(by_order.get(order, end), end)
        for order, late in self.late.items():
            m.add_hint(late, max(0, by_order[order] - due[order]))
        m.add_hint(self.makespan, max([0, *ends.values(), *self.fixed_ends]))
        for key, (resource, start) in placements.items():
            var = self.starts[key]
            if isinstance(var, int):
                continue
            m.add_hint(var, start)
            options = self.choice[key]
            if not isinstance(options, str):
                for r, present in options.items():
                    m.add_hint(present, r == resource)

    def placements(self, solver: cp_model.CpSolver) -> dict[Key, tuple[str, int]]:
        out = {}
        for key, options in self.choice.items():
            start = int(solver.value(self.starts[key]))
            if isinstance(options, str):
                out[key] = (options, start)
            else:
                [resource] = [r for r, p in options.items() if solver.boolean_value(p)]
                out[key] = (resource, start)
        return out


def _solve(
    model: cp_model.CpModel, seconds: float, workers: int, seed: int, calendars: bool
) -> tuple[cp_model.CpSolver, Any]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.0)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if calendars:
        # Start domains of many windows make presolve probing take seconds before the first
        # solution (even with a complete hint); without it the search starts at once.
        solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    return solver, status


def _best_dispatch(problem: Problem) -> Schedule | None:
    """The best of the dispatching rules' schedules: the solver's start and its floor."""
    rules = (
        priority_rules(problem) if has_due_dates(problem) else {"earliest due date": dispatch_order}
    )
    best = None
    for name, key in rules.items():
        try:
            schedule = greedy(problem, key, name)
        except ProblemError:
            continue  # e.g. pins this rule's order of work cannot get around
        if best is None or _worse(best, schedule):
            best = schedule
    return best


def solve(
    problem: Problem,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    num_workers: int = DEFAULT_WORKERS,
    seed: int = 0,
    full_model_max_ops: int = FULL_MODEL_MAX_OPS,
) -> Schedule:
    """The best schedule CP-SAT finds within ``time_limit`` seconds on ``num_workers`` threads.

    Up to ``full_model_max_ops`` operations to place, one model of the whole
    problem: status OPTIMAL when proved best (weighted tardiness, then
    makespan), FEASIBLE when stopped at the time limit with the best found (the
    note says so). Larger problems start from the dispatcher's schedule and
    improve it part by part until the time limit (``server.scheduling.lns``;
    FEASIBLE). If the solver finds nothing in time, the dispatcher's schedule
    is returned (solver "greedy", the note says so). Raises ProblemError if no
    schedule exists.
    """
    started = time.perf_counter()
    resolved = resolve(problem)
    baseline = _best_dispatch(problem)
    lo, hi = _horizon(resolved, baseline)
    movable = sum(1 for t in resolved.tasks if t.fixed is None)
    if baseline is not None and movable > full_model_max_ops:
        return _large(problem, resolved, baseline, hi, started, time_limit, num_workers, seed)
    built = _Model(problem, resolved, lo, hi)
    model = built.model
    fixed = {t.key: (t.fixed[0], t.fixed[1]) for t in resolved.tasks if t.fixed is not None}
    lengths = {
        t.key: (t.fixed[2] - t.fixed[1] if t.running and t.fixed else t.length)
        for t in resolved.tasks
    }
    due = {o.id: o.due for o in problem.orders if o.due is not None}
    if baseline is not None:
        built.hint(baseline.placements(), lengths, due)
    two_stage = has_due_dates(problem) and not isinstance(built.tardiness, int)
    first_objective = built.tardiness if two_stage else built.makespan
    model.minimize(first_objective)
    calendars = any(r.windows is not None for r in problem.resources)
    # The dispatching rules ran first, inside the time limit.
    solver, status = _solve(
        model, time_limit - (time.perf_counter() - started), num_workers, seed, calendars
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        elapsed = time.perf_counter() - started
        if baseline is None:
            raise ProblemError(
                [f"no schedule found in {elapsed:.1f} s ({solver.status_name(status).lower()})"]
            )
        reason = (
            "proved there is none"
            if status == cp_model.INFEASIBLE
            else f"found none within {time_limit:g} s"
        )
        return build_schedule(
            problem,
            resolved,
            baseline.placements(),
            status="FEASIBLE",
            solver="greedy",
            solve_seconds=elapsed,
            note=f"the solver {reason}; this is the dispatcher's schedule ({baseline.note})",
        )
    optimal = status == cp_model.OPTIMAL
    bound = int(round(solver.best_objective_bound))
    placements = built.placements(solver)
    notes = []
    if two_stage:
        found = int(round(solver.objective_value))
        left = time_limit - (time.perf_counter() - started)
        if left >= _MIN_STAGE_SECONDS:
            model.add(built.tardiness <= found)
            model.minimize(built.makespan)
            built.hint({**placements, **fixed}, lengths, due)
            second, status2 = _solve(model, left, num_workers, seed, calendars)
            if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                placements = built.placements(second)
                optimal = optimal and status2 == cp_model.OPTIMAL
            else:
                optimal = False
        else:
            optimal = False
            notes.append("no time left to shorten the makespan")
    placements = compact(resolved, {**placements, **fixed})
    elapsed = time.perf_counter() - started
    result = build_schedule(
        problem,
        resolved,
        placements,
        status="OPTIMAL" if optimal else "FEASIBLE",
        solver="cp-sat",
        solve_seconds=elapsed,
        lower_bound=bound,
        note="; ".join(
            [
                "proved optimal"
                if optimal
                else f"stopped at the time limit ({time_limit:g} s): "
                "the best schedule found, not proved optimal",
                *notes,
            ]
        ),
    )
    return _no_worse(problem, resolved, result, baseline, time_limit)


def _large(
    problem: Problem,
    resolved: Resolved,
    baseline: Schedule,
    hi: int,
    started: float,
    time_limit: float,
    num_workers: int,
    seed: int,
) -> Schedule:
    placements, search = improve(
        problem,
        resolved,
        baseline.placements(),
        hi=hi,
        deadline=started + time_limit,
        num_workers=num_workers,
        seed=seed,
    )
    elapsed = time.perf_counter() - started
    if search.rounds == 0:
        return build_schedule(
            problem,
            resolved,
            baseline.placements(),
            status="FEASIBLE",
            solver="greedy",
            solve_seconds=elapsed,
            note=f"no time for the solver in {time_limit:g} s; this is the "
            f"dispatcher's schedule ({baseline.note})",
        )
    bound = relaxed_bound(problem, resolved) if has_due_dates(problem) else None
    result = build_schedule(
        problem,
        resolved,
        compact(resolved, placements),
        status="FEASIBLE",
        solver="cp-sat",
        solve_seconds=elapsed,
        lower_bound=bound,
        note=(
            f"stopped at the time limit ({time_limit:g} s): the dispatcher's schedule "
            f"({baseline.note}) improved part by part ({search.improved} of "
            f"{search.rounds} re-solves improved it), not proved optimal"
        ),
    )
    return _no_worse(problem, resolved, result, baseline, time_limit)


def _no_worse(
    problem: Problem,
    resolved: Resolved,
    result: Schedule,
    baseline: Schedule | None,
    time_limit: float,
) -> Schedule:
    if baseline is not None and _worse(result, baseline):
        return build_schedule(
            problem,
            resolved,
            baseline.placements(),
            status="FEASIBLE",
            solver="greedy",
            solve_seconds=result.solve_seconds,
            lower_bound=result.lower_bound,
            note=f"the solver's best in {time_limit:g} s was worse than the "
            f"dispatcher's; this is the dispatcher's schedule "
            f"({baseline.note})",
        )
    return result


def _worse(a: Schedule, b: Schedule) -> bool:
    return (a.weighted_tardiness, a.makespan) > (b.weighted_tardiness, b.makespan)
