"""Where a lot stands in its routing: which operations are done, which may start next.

A routing is an ordered list of operations. Consecutive operations marked
``parallel`` form one stage and may run in any order among themselves; an
``optional`` operation need not be done. An operation may start on a lot once
every required operation of the earlier stages is done (or was skipped with
a supervisor's approval); the routing is finished when every required
operation is done. The kiosk decides with this offline, the server with the
same function when the event arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    """One operation of a routing as far as ordering goes."""

    seq: int
    name: str = ""
    optional: bool = False
    parallel: bool = False


def stages(steps: Sequence[Step]) -> list[list[Step]]:
    """The routing grouped into stages, in order (a run of parallel operations is one stage)."""
    out: list[list[Step]] = []
    for step in sorted(steps, key=lambda s: s.seq):
        if out and step.parallel and out[-1][-1].parallel:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def _stage_of(steps: Sequence[Step], seq: int) -> int:
    for i, stage in enumerate(stages(steps)):
        if any(s.seq == seq for s in stage):
            return i
    raise KeyError(seq)


def missing_before(steps: Sequence[Step], seq: int, done: Iterable[int]) -> list[Step]:
    """Required operations of earlier stages that are not done: they block ``seq``."""
    finished = set(done)
    index = _stage_of(steps, seq)
    return [
        s
        for stage in stages(steps)[:index]
        for s in stage
        if not s.optional and s.seq not in finished
    ]


def next_operations(steps: Sequence[Step], done: Iterable[int]) -> list[Step]:
    """Operations that may start now: not done, nothing required missing before them."""
    finished = set(done)
    return [
        s
        for s in sorted(steps, key=lambda s: s.seq)
        if s.seq not in finished and not missing_before(steps, s.seq, finished)
    ]


def remaining(steps: Sequence[Step], done: Iterable[int]) -> list[Step]:
    """Required operations not done yet."""
    finished = set(done)
    return [
        s for s in sorted(steps, key=lambda s: s.seq) if not s.optional and s.seq not in finished
    ]


def finished(steps: Sequence[Step], done: Iterable[int]) -> bool:
    return not remaining(steps, done)


def first_stage(steps: Sequence[Step]) -> list[int]:
    """Operations that start a lot (nothing required before them)."""
    return [s.seq for s in next_operations(steps, ())]


def describe(steps: Sequence[Step]) -> str:
    """``op 20 (Turn), op 30 (Grind)``."""
    return ", ".join(f"op {s.seq}" + (f" ({s.name})" if s.name else "") for s in steps)


# --- the rules, worded once for the kiosk and the server ------------------------------


def start_problem(
    lot_id: str, steps: Sequence[Step], seq: int, done: Iterable[int], skip: Iterable[int] = ()
) -> str | None:
    """Why operation ``seq`` may not start on lot ``lot_id`` (None: it may).

    ``skip`` are required operations the start skips with a supervisor's approval.
    """
    finished_ = set(done)
    if seq in finished_:
        return f"op {seq} is already done on lot {lot_id}"
    missing = missing_before(steps, seq, finished_ | set(skip))
    if missing:
        return f"lot {lot_id} is not ready for op {seq}: {describe(missing)} not done yet"
    return None


def skippable(steps: Sequence[Step], seq: int, done: Iterable[int]) -> list[Step]:
    """The required operations a start of ``seq`` would skip (what a supervisor approves)."""
    return missing_before(steps, seq, done)


def use_problem(
    lot_id: str, part: str, steps: Sequence[Step], done: Iterable[int], after_operation: int | None
) -> str | None:
    """Why made lot ``lot_id`` may not be used as a component yet (None: it may).

    A component is ready when its own routing is finished, or, where the BOM says so,
    once operation ``after_operation`` of it is done.
    """
    finished_ = set(done)
    if after_operation is not None:
        if after_operation in finished_:
            return None
        step = next((s for s in steps if s.seq == after_operation), Step(after_operation))
        return f"lot {lot_id} ({part}) is not ready to use: {describe([step])} is not done yet"
    left = remaining(steps, finished_)
    if left:
        return f"lot {lot_id} ({part}) is half-made: {describe(left)} still to do"
    return None


def overrun_problem(
    work_order: str, ordered: float, made: float, adding: float, tolerance: float
) -> str | None:
    """Why ``adding`` more units to a work order needs a supervisor (None: it does not).

    ``made`` is what the work order's lots already hold at this operation; ``tolerance`` is
    the plant's allowed over-run as a fraction of the ordered quantity.
    """
    limit = ordered * (1 + tolerance)
    if made + adding <= limit + 1e-9:
        return None
    return (
        f"work order {work_order} is for {ordered:g}: {made + adding:g} would be made "
        f"(over-run allowed up to {limit:g}); a supervisor must confirm"
    )
