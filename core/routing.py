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
    return [s for s in sorted(steps, key=lambda s: s.seq) if not s.optional and s.seq not in finished]


def finished(steps: Sequence[Step], done: Iterable[int]) -> bool:
    return not remaining(steps, done)


def first_stage(steps: Sequence[Step]) -> list[int]:
    """Operations that start a lot (nothing required before them)."""
    return [s.seq for s in next_operations(steps, ())]


def describe(steps: Sequence[Step]) -> str:
    """``op 20 (Turn), op 30 (Grind)``."""
    return ", ".join(f"op {s.seq}" + (f" ({s.name})" if s.name else "") for s in steps)
