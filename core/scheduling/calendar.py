"""Working calendars: shifts, breaks, holidays and closures turned into working windows.

A window is [start, end) in whole minutes from the horizon start. Windows that
touch (one shift ends as the next begins) are merged: only a real pause in the
work ends a window, and an operation must fit inside one window.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.scheduling.model import Window

WEEKDAYS = (0, 1, 2, 3, 4)  # Monday to Friday


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift worked on the given weekdays (Monday 0), from ``start`` to ``end`` local time.

    An ``end`` at or before ``start`` means the shift runs past midnight. Breaks
    are local times inside the shift (a break before ``start`` falls on the next day).
    """

    start: time
    end: time
    days: tuple[int, ...] = WEEKDAYS
    breaks: tuple[tuple[time, time], ...] = ()
    name: str = ""


@dataclass(frozen=True, slots=True)
class Calendar:
    """When a station works: its shifts, minus holidays (no shift starts that day) and
    closures (planned maintenance, stocktaking), plus extra time (overtime)."""

    shifts: tuple[Shift, ...]
    holidays: tuple[date, ...] = ()
    closures: tuple[tuple[datetime, datetime], ...] = ()
    extra: tuple[tuple[datetime, datetime], ...] = ()


def _minutes(origin: datetime, moment: datetime, up: bool) -> int:
    if origin.tzinfo is not None:
        # Aware times: subtract in UTC so a daylight-saving change counts as the hour it is.
        seconds = (moment.astimezone(UTC) - origin.astimezone(UTC)).total_seconds()
    else:
        seconds = (moment - origin).total_seconds()
    return math.ceil(seconds / 60 - 1e-9) if up else math.floor(seconds / 60 + 1e-9)


def _span(origin: datetime, begin: datetime, end: datetime) -> Window:
    return _minutes(origin, begin, up=True), _minutes(origin, end, up=False)


def merge(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Sorted, disjoint windows; overlapping or touching ones joined, empty ones dropped."""
    out: list[list[int]] = []
    for a, b in sorted(w for w in windows if w[1] > w[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def subtract(windows: Sequence[Window], cuts: Iterable[Window]) -> tuple[Window, ...]:
    """``windows`` with the ``cuts`` taken out."""
    result = list(merge(windows))
    for c0, c1 in merge(cuts):
        nxt: list[Window] = []
        for a, b in result:
            if c1 <= a or c0 >= b:
                nxt.append((a, b))
                continue
            if a < c0:
                nxt.append((a, c0))
            if c1 < b:
                nxt.append((c1, b))
        result = nxt
    return tuple(result)


def clip(windows: Sequence[Window], lo: int, hi: int) -> tuple[Window, ...]:
    return tuple((max(a, lo), min(b, hi)) for a, b in windows if min(b, hi) > max(a, lo))


def windows(calendar: Calendar, origin: datetime, horizon: int) -> tuple[Window, ...]:
    """The calendar's working windows in [0, horizon) minutes from ``origin``.

    ``origin`` may be naive (all times local, no daylight saving) or aware (its
    tzinfo is the plant's zone; shift times are local wall-clock times there).
    """
    tz = origin.tzinfo
    last = origin + timedelta(minutes=horizon)
    holidays = set(calendar.holidays)
    worked: list[Window] = []
    breaks: list[Window] = []
    day = origin.date() - timedelta(days=1)  # a night shift from the day before reaches in
    while day <= last.date():
        if day not in holidays:
            for shift in calendar.shifts:
                if day.weekday() not in shift.days:
                    continue
                begin = datetime.combine(day, shift.start, tzinfo=tz)
                end_day = day + timedelta(days=1) if shift.end <= shift.start else day
                end = datetime.combine(end_day, shift.end, tzinfo=tz)
                worked.append(_span(origin, begin, end))
                for b0, b1 in shift.breaks:
                    d0 = day + timedelta(days=1) if b0 < shift.start else day
                    d1 = d0 + timedelta(days=1) if b1 <= b0 else d0
                    breaks.append(
                        _span(
                            origin,
                            datetime.combine(d0, b0, tzinfo=tz),
                            datetime.combine(d1, b1, tzinfo=tz),
                        )
                    )
        day += timedelta(days=1)
    closed = breaks + [_span(origin, a, b) for a, b in calendar.closures]
    # Extra time is worked even where a break or closure would be.
    extra = [_span(origin, a, b) for a, b in calendar.extra]
    base = subtract(merge(worked), closed)
    return clip(merge([*base, *extra]), 0, horizon)


def fits(windows: Sequence[Window] | None, start: int, end: int) -> bool:
    """Whether [start, end) lies inside one window (None: always open)."""
    if windows is None:
        return True
    i = bisect.bisect_right(windows, (start, math.inf)) - 1
    if i < 0:
        return False
    a, b = windows[i]
    return a <= start and end <= b


def starts(windows: Sequence[Window] | None, length: int, lo: int, hi: int) -> list[Window]:
    """Ranges [first, last] (inclusive) of start minutes in [lo, hi] at which an operation of
    ``length`` minutes fits inside one window."""
    if windows is None:
        return [(lo, hi)] if lo <= hi else []
    out = []
    for a, b in windows:
        first, latest = max(a, lo), min(b - length, hi)
        if first <= latest:
            out.append((first, latest))
    return out


def off_time(windows: Sequence[Window] | None, start: int, end: int) -> int:
    """Minutes of [start, end) outside every window."""
    if windows is None or end <= start:
        return 0
    inside = sum(max(0, min(b, end) - max(a, start)) for a, b in windows)
    return end - start - inside


class Occupancy:
    """The intervals a station is busy with, kept sorted and disjoint (a solver's scratch)."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return  # an operation of no length occupies nothing
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def first_fit(self, windows: Sequence[Window] | None, ready: int, length: int) -> int | None:
        """The earliest start >= ``ready`` at which ``length`` minutes fit inside one window
        and clear of every busy interval; None if there is none."""
        spans: Sequence[tuple[float, float]]
        spans = windows if windows is not None else ((ready, math.inf),)
        j = max(bisect.bisect_right(spans, (ready, math.inf)) - 1, 0)
        starts, ends = self.starts, self.ends
        for a, b in spans[j:]:
            if b <= ready or b - a < length:
                continue
            t = max(a, ready)
            i = bisect.bisect_right(ends, t)  # the first busy interval ending after t
            while t + length <= b:
                if i < len(starts) and starts[i] < t + length:
                    t = max(t, ends[i])
                    i += 1
                    continue
                return int(t)
        return None
