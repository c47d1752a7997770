"""Why an order is late: which station each operation waited for, busy with what, after
which predecessor or material arrival."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.scheduling.calendar import off_time
from core.scheduling.model import Order
from core.scheduling.tasks import Key, Resolved, Task

Placed = tuple[str, int, int]
"""Where and when an operation runs: (resource, start, end)."""


@dataclass(frozen=True, slots=True)
class Wait:
    """An operation that started later than it could have.

    ``ready`` is when it could have started: when its predecessor ended
    (``after`` "predecessor"), or when the order's material arrived or it was
    released ("material", "release", "horizon start"). ``busy_with`` lists the
    operations that kept the station busy meanwhile, (order, seq, minutes);
    ``off_shift`` the minutes the station was not working.
    """

    seq: int
    resource: str
    minutes: int
    ready: int
    after: str
    predecessor: int | None
    busy_with: tuple[tuple[str, int, int], ...]
    off_shift: int
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class Lateness:
    order: str
    minutes: int
    due: int
    completion: int
    held_until: int  # the order could not start earlier (release or material)
    held_by: str | None  # "material", "release" or None
    waits: tuple[Wait, ...]
    bottleneck: str | None  # the station the order waited for longest
    text: str


def at(origin: datetime | None, minute: int) -> str:
    """A minute of the horizon as a planner reads it."""
    if origin is None:
        return f"min {minute}"
    return (origin + timedelta(minutes=minute)).strftime("%a %H:%M")


def _blockers(
    placed: Mapping[Key, Placed],
    key: Key,
    resource: str,
    lo: int,
    hi: int,
    by_resource: Mapping[str, list[tuple[int, int, Key]]],
) -> list[tuple[str, int, int]]:
    out = []
    for s, e, other in by_resource.get(resource, ()):
        if s >= hi:
            break
        overlap = min(e, hi) - max(s, lo)
        if other != key and overlap > 0:
            out.append((other[0], other[1], overlap))
    out.sort(key=lambda b: (-b[2], b[0], b[1]))
    return out


def _wording(wait: Wait, origin: datetime | None) -> str:
    reasons = []
    if wait.busy_with:
        names = ", ".join(f"{o} op {s}" for o, s, _ in wait.busy_with[:3])
        more = len(wait.busy_with) - 3
        reasons.append(f"busy with {names}" + (f" and {more} more" if more > 0 else ""))
    if wait.off_shift:
        reasons.append(f"off shift {wait.off_shift} min")
    if wait.pinned:
        reasons.append("pinned there")
    if not reasons:
        reasons.append("no free window long enough")
    if wait.after == "predecessor":
        since = f"after its predecessor op {wait.predecessor} ended at {at(origin, wait.ready)}"
    elif wait.after == "horizon start":
        since = "from the start of the horizon"
    else:
        since = f"after {wait.after} at {at(origin, wait.ready)}"
    return (
        f"op {wait.seq} waited {wait.minutes} min for {wait.resource} "
        f"({'; '.join(reasons)}) {since}"
    )


def explain(
    resolved: Resolved,
    order: Order,
    chain: Sequence[Task],
    placed: Mapping[Key, Placed],
    by_resource: Mapping[str, list[tuple[int, int, Key]]],
    origin: datetime | None = None,
) -> Lateness | None:
    """The lateness of ``order`` (whose tasks are ``chain``) in a schedule, or None if it is on
    time or has no due date. ``by_resource`` holds each station's operations as
    (start, end, key), sorted by start.
    """
    if order.due is None or not chain:
        return None
    completion = max(placed[t.key][2] for t in chain)
    late = completion - order.due
    if late <= 0:
        return None
    held_by: str | None = None
    if order.earliest > 0:
        held_by = "material" if order.material_ready >= order.release else "release"
    waits: list[Wait] = []
    for i, task in enumerate(chain):
        resource, start, _ = placed[task.key]
        if task.running:
            continue
        if i == 0:
            ready = order.earliest
            after = {"material": "material arrived", "release": "release"}.get(
                held_by or "", "horizon start"
            )
            predecessor = None
        else:
            ready = placed[chain[i - 1].key][2]
            after, predecessor = "predecessor", chain[i - 1].seq
        if start <= ready:
            continue
        waits.append(
            Wait(
                seq=task.seq,
                resource=resource,
                minutes=start - ready,
                ready=ready,
                after=after,
                predecessor=predecessor,
                busy_with=tuple(_blockers(placed, task.key, resource, ready, start, by_resource)),
                off_shift=off_time(resolved.windows(resource), ready, start),
                pinned=task.fixed is not None,
            )
        )
    per_station: dict[str, int] = {}
    for w in waits:
        per_station[w.resource] = per_station.get(w.resource, 0) + w.minutes
    bottleneck = max(per_station, key=lambda r: (per_station[r], r)) if per_station else None
    parts = []
    if held_by == "material":
        parts.append(f"material only at hand at {at(origin, order.material_ready)}")
    elif held_by == "release":
        parts.append(f"released at {at(origin, order.release)}")
    parts.extend(_wording(w, origin) for w in waits)
    if not waits:
        work = sum(t.length for t in chain)
        parts.append(f"no waiting: {work} min of work after {at(origin, order.earliest)}")
    text = (
        f"late {late} min (due {at(origin, order.due)}, done {at(origin, completion)}): "
        + "; ".join(parts)
    )
    return Lateness(
        order.id,
        late,
        order.due,
        completion,
        order.earliest,
        held_by,
        tuple(waits),
        bottleneck,
        text,
    )
