"""A machine's state record turned into stretches of time: running, or stopped with a reason.

A stop (one or more non-running stretches in a row) shorter than the micro-stop
threshold is a micro-stop: its time counts as run time and shows up as speed
loss, not downtime (ISO 22400-2 keeps such short stops out of the availability
loss; the classic six big losses call them minor stops). A stop that includes
setup or time with no record (unknown) is never a micro-stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

STATES = ("running", "idle", "down", "setup", "unknown")


@dataclass(frozen=True, slots=True)
class StateChange:
    """The machine entered ``state`` at ``at`` (with the PLC's or operator's reason code)."""

    at: datetime
    state: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"machine state {self.state!r} is not one of {', '.join(STATES)}")


@dataclass(frozen=True, slots=True)
class Segment:
    """[start, end) in one state. ``micro`` marks a stretch of a micro-stop."""

    start: datetime
    end: datetime
    state: str
    reason: str | None = None
    micro: bool = False
    stop: int | None = None  # which stop (index) a non-running stretch belongs to

    @property
    def loss(self) -> str:
        """The downtime reason it is booked under: its reason code, else its state."""
        return self.reason or self.state


def segments(
    changes: Sequence[StateChange], since: datetime, until: datetime, micro_stop_s: float = 60.0
) -> list[Segment]:
    """The record as stretches covering [since, until); time before the first change (or
    with no record) is unknown. Changes need not be sorted; the later of two at the same
    moment wins."""
    ordered = sorted(enumerate(changes), key=lambda ic: (ic[1].at, ic[0]))
    raw: list[tuple[datetime, datetime, str, str | None]] = []
    cursor, state, reason = since, "unknown", None
    for _, change in ordered:
        if change.at > cursor:
            end = min(change.at, until)
            if end > cursor:
                raw.append((cursor, end, state, reason))
            cursor = max(cursor, change.at)
        state, reason = change.state, change.reason
        if cursor >= until:
            break
    if cursor < until:
        raw.append((cursor, until, state, reason))
    # Group the non-running stretches into stops and decide which stops are micro-stops.
    out: list[Segment] = []
    i, stop = 0, 0
    while i < len(raw):
        if raw[i][2] == "running":
            out.append(Segment(*raw[i]))
            i += 1
            continue
        j = i
        while j < len(raw) and raw[j][2] != "running":
            j += 1
        length = (raw[j - 1][1] - raw[i][0]).total_seconds()
        micro = length < micro_stop_s and all(r[2] in ("idle", "down") for r in raw[i:j])
        out.extend(Segment(a, b, s, r, micro, stop) for a, b, s, r in raw[i:j])
        stop += 1
        i = j
    return out
