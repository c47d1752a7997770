"""Does a schedule keep every rule of its problem? The test oracle for every solver."""

from __future__ import annotations

from core.scheduling.calendar import fits
from core.scheduling.model import Problem
from core.scheduling.schedule import Schedule
from core.scheduling.tasks import resolve


def check_schedule(problem: Problem, schedule: Schedule) -> list[str]:
    """Every broken rule, worded; empty when the schedule is valid.

    Checks that each operation is scheduled once, on a station that may run it,
    for its full length; after its predecessor and the order's release and
    material; inside one working window (running operations excepted); where
    pinned or running operations are fixed; and never two at once on a station.
    """
    problems: list[str] = []
    resolved = resolve(problem)
    tasks = {t.key: t for t in resolved.tasks}
    seen: dict[tuple[str, int], tuple[str, int, int]] = {}
    for op in schedule.operations:
        key = (op.order, op.seq)
        where = f"{op.order} op {op.seq}"
        if key in seen:
            problems.append(f"{where} is scheduled twice")
            continue
        seen[key] = (op.resource, op.start, op.end)
        task = tasks.get(key)
        if task is None:
            problems.append(f"{where} is not in the problem")
            continue
        if op.resource not in task.eligible:
            problems.append(f"{where} runs on {op.resource}, which may not run it")
        if task.running and task.fixed is not None:
            if (op.resource, op.start, op.end) != task.fixed:
                problems.append(
                    f"{where} is running on {task.fixed[0]} {task.fixed[1]}-"
                    f"{task.fixed[2]} but is scheduled {op.resource} "
                    f"{op.start}-{op.end}"
                )
            continue
        if op.end - op.start != task.length:
            problems.append(
                f"{where} takes {task.length} min but is scheduled for {op.end - op.start}"
            )
        if task.fixed is not None and (op.resource, op.start) != task.fixed[:2]:
            problems.append(
                f"{where} is pinned on {task.fixed[0]} at {task.fixed[1]} but is "
                f"scheduled on {op.resource} at {op.start}"
            )
        if op.start < task.earliest:
            problems.append(f"{where} starts at {op.start}, before its order may ({task.earliest})")
        if op.resource in resolved.resources and not fits(
            resolved.windows(op.resource), op.start, op.end
        ):
            problems.append(
                f"{where} runs {op.start}-{op.end}, outside one working window of {op.resource}"
            )
    for key in tasks.keys() - seen.keys():
        problems.append(f"{key[0]} op {key[1]} is not scheduled")
    for chain in resolved.chains:
        for a, b in zip(chain, chain[1:], strict=False):
            if a.key in seen and b.key in seen and seen[b.key][1] < seen[a.key][2]:
                problems.append(
                    f"{b.order} op {b.seq} starts at {seen[b.key][1]}, before op "
                    f"{a.seq} ends ({seen[a.key][2]})"
                )
    spans: dict[str, list[tuple[int, int, tuple[str, int]]]] = {}
    for key, (resource, start, end) in seen.items():
        if end > start:
            spans.setdefault(resource, []).append((start, end, key))
    for resource, items in spans.items():
        items.sort()
        latest_end, latest = items[0][1], items[0][2]
        for start, end, key in items[1:]:
            if start < latest_end:
                problems.append(
                    f"{latest[0]} op {latest[1]} and {key[0]} op {key[1]} overlap on {resource}"
                )
            if end > latest_end:
                latest_end, latest = end, key
    return problems
