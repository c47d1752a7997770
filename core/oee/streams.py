"""OEE from a station's record: its state changes and part counts over planned busy time,
per period, per shift, per day and per order.

Only planned busy time counts: the planned windows (shifts less breaks, less
planned downtime) are given; machine states and parts outside them are left
out of the ratios (parts made there are reported as ``outside_planned``). Ideal
cycle times may differ by order; a part's order is the count's own, else the
order whose span holds the count's time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.oee.counters import Count
from core.oee.metrics import Oee, combine, make_oee
from core.oee.states import StateChange, segments

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Stream:
    """One station's record: state changes, part counts, its ideal cycle time (seconds per
    part) and the ideal cycle of particular orders where it differs."""

    states: tuple[StateChange, ...]
    counts: tuple[Count, ...]
    ideal_cycle_s: float
    cycle_by_order: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderSpan:
    """The station worked ``order`` from ``start`` to ``end`` (a job's start and end)."""

    order: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """A shift as worked on a day: planned from ``start`` to ``end``, less ``breaks`` and
    ``planned_down`` (planned maintenance, meetings)."""

    name: str
    start: datetime
    end: datetime
    breaks: tuple[Span, ...] = ()
    planned_down: tuple[Span, ...] = ()

    def planned_busy(self) -> list[Span]:
        return subtract([(self.start, self.end)], [*self.breaks, *self.planned_down])


def merge(spans: Iterable[Span]) -> list[Span]:
    out: list[list[datetime]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def subtract(spans: Iterable[Span], cuts: Iterable[Span]) -> list[Span]:
    result = merge(spans)
    for c0, c1 in merge(cuts):
        nxt: list[Span] = []
        for a, b in result:
            if c1 <= a or c0 >= b:
                nxt.append((a, b))
                continue
            if a < c0:
                nxt.append((a, c0))
            if c1 < b:
                nxt.append((c1, b))
        result = nxt
    return result


def intersect(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    out = []
    bs = merge(b)
    for a0, a1 in merge(a):
        for b0, b1 in bs:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi > lo:
                out.append((lo, hi))
    return merge(out)


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60


def _inside(spans: Sequence[Span], moment: datetime) -> bool:
    # A count at the very end of a window belongs to it (the part finished as it closed).
    return any(a < moment <= b for a, b in spans)


def oee(
    stream: Stream,
    planned: Sequence[Span],
    *,
    until: datetime,
    micro_stop_s: float = 60.0,
    calendar_time: float | None = None,
    order: str | None = None,
    orders: Sequence[OrderSpan] = (),
) -> Oee:
    """OEE over the ``planned`` busy windows up to ``until`` (where the record ends).

    With ``order``, only that order's parts count (by the count's order, else
    by the ``orders`` spans); the caller narrows ``planned`` to the order's
    spans. ``calendar_time`` (minutes) gives TEEP.
    """
    # Planned time after `until` has not happened yet: a period still running counts so far.
    windows = [(a, min(b, until)) for a, b in merge(planned) if a < until]
    if not windows:
        return make_oee(0.0, 0.0, 0.0, 0, 0, {}, calendar_time=calendar_time)
    since = windows[0][0]
    if stream.states:
        since = min(since, min(c.at for c in stream.states))
    run = micro = 0.0
    downtime: dict[str, float] = {}
    micro_seen: set[int] = set()
    for seg in segments(stream.states, since, until, micro_stop_s):
        for a, b in windows:
            lo, hi = max(a, seg.start), min(b, seg.end)
            if hi <= lo:
                continue
            minutes = _minutes(lo, hi)
            if seg.state == "running" or seg.micro:
                run += minutes
                if seg.micro and seg.stop is not None:
                    micro += minutes
                    micro_seen.add(seg.stop)
            else:
                downtime[seg.loss] = downtime.get(seg.loss, 0.0) + minutes

    def order_of(count: Count) -> str | None:
        if count.order is not None:
            return count.order
        return next((s.order for s in orders if s.start < count.at <= s.end), None)

    produced = scrap = outside = 0
    ideal = scrap_time = 0.0
    for count in stream.counts:
        owner = order_of(count)
        if order is not None and owner != order:
            continue
        if not _inside(windows, count.at):
            outside += count.produced
            continue
        cycle = stream.cycle_by_order.get(owner or "", stream.ideal_cycle_s) / 60
        produced += count.produced
        scrap += count.scrap
        ideal += cycle * count.produced
        scrap_time += cycle * count.scrap
    planned_busy = sum(_minutes(a, b) for a, b in windows)
    return make_oee(
        planned_busy,
        run,
        ideal,
        produced,
        produced - scrap,
        downtime,
        len(micro_seen),
        micro,
        calendar_time,
        outside,
        scrap_time,
    )


def per_shift(
    stream: Stream, shifts: Sequence[ShiftWindow], *, until: datetime, micro_stop_s: float = 60.0
) -> dict[str, Oee]:
    """OEE of each shift (by name; TEEP against the shift's length)."""
    return {
        s.name: oee(
            stream,
            s.planned_busy(),
            until=until,
            micro_stop_s=micro_stop_s,
            calendar_time=_minutes(s.start, s.end),
        )
        for s in shifts
    }


def day_span(day: date, tz: ZoneInfo | None) -> Span:
    """Midnight to midnight, local time (23 or 25 hours on daylight-saving days)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def per_day(
    stream: Stream,
    planned: Sequence[Span],
    days: Sequence[date],
    *,
    until: datetime,
    tz: ZoneInfo | None = None,
    micro_stop_s: float = 60.0,
) -> dict[date, Oee]:
    """OEE of each local calendar day (TEEP against the day's real length)."""
    out = {}
    for day in days:
        start, end = day_span(day, tz)
        # Aware times subtracted in UTC, so a daylight-saving day is 23 or 25 hours long.
        calendar = _minutes(start.astimezone(UTC), end.astimezone(UTC))
        out[day] = oee(
            stream,
            intersect(planned, [(start, end)]),
            until=until,
            micro_stop_s=micro_stop_s,
            calendar_time=calendar,
        )
    return out


def per_order(
    stream: Stream,
    planned: Sequence[Span],
    orders: Sequence[OrderSpan],
    *,
    until: datetime,
    micro_stop_s: float = 60.0,
) -> dict[str, Oee]:
    """OEE of each order the station worked: planned busy time within its spans."""
    out = {}
    for name in dict.fromkeys(s.order for s in orders):
        spans = [(s.start, s.end) for s in orders if s.order == name]
        out[name] = oee(
            stream,
            intersect(planned, spans),
            until=until,
            micro_stop_s=micro_stop_s,
            order=name,
            orders=orders,
        )
    return out


def per_station(
    streams: Mapping[str, Stream],
    planned: Sequence[Span],
    *,
    until: datetime,
    micro_stop_s: float = 60.0,
) -> tuple[dict[str, Oee], Oee]:
    """OEE of each station over the same planned windows, and of all of them together."""
    each = {
        name: oee(s, planned, until=until, micro_stop_s=micro_stop_s) for name, s in streams.items()
    }
    return each, combine(each.values())
