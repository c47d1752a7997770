"""OEE as ISO 22400-2 defines it, with the loss breakdown behind it.

- planned busy time (PBT) = planned operation time - planned downtime
- availability = actual production (run) time / PBT
- effectiveness (performance) = ideal cycle time x produced quantity / run time
- quality ratio = good quantity / produced quantity
- OEE = availability x performance x quality; TEEP = OEE x PBT / calendar time

Times are minutes. Run time includes micro-stops (they are speed loss). The
losses add up: PBT = run time + downtime, and run time = ideal time of the
good parts + speed loss + scrap loss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Losses:
    """Where planned busy time went (minutes). ``downtime`` by reason code (a stop
    without a code is booked under its state: idle, down, setup, unknown)."""

    downtime: Mapping[str, float] = field(default_factory=dict)
    micro_stops: int = 0
    micro_stop_minutes: float = 0.0
    speed_loss: float = 0.0  # run time - ideal time of all parts made (micro-stops included)
    scrap_loss: float = 0.0  # ideal time of the scrapped parts

    @property
    def downtime_total(self) -> float:
        return sum(self.downtime.values())


@dataclass(frozen=True, slots=True)
class Oee:
    planned_busy: float
    run_time: float
    ideal_time: float  # ideal cycle time x produced quantity, minutes
    produced: int
    good: int
    losses: Losses
    calendar_time: float | None = None
    outside_planned: int = 0  # parts counted outside planned busy time: not in the ratios

    @property
    def availability(self) -> float | None:
        return self.run_time / self.planned_busy if self.planned_busy > 0 else None

    @property
    def performance(self) -> float | None:
        return self.ideal_time / self.run_time if self.run_time > 0 else None

    @property
    def quality(self) -> float | None:
        return self.good / self.produced if self.produced > 0 else None

    @property
    def oee(self) -> float | None:
        a, p, q = self.availability, self.performance, self.quality
        return None if a is None or p is None or q is None else a * p * q

    @property
    def teep(self) -> float | None:
        oee = self.oee
        if oee is None or not self.calendar_time:
            return None
        return oee * self.planned_busy / self.calendar_time

    @property
    def scrap(self) -> int:
        return self.produced - self.good


def make_oee(
    planned_busy: float,
    run_time: float,
    ideal_time: float,
    produced: int,
    good: int,
    downtime: Mapping[str, float],
    micro_stops: int = 0,
    micro_stop_minutes: float = 0.0,
    calendar_time: float | None = None,
    outside_planned: int = 0,
    scrap_time: float | None = None,
) -> Oee:
    """An Oee from its totals, the speed and scrap losses derived. ``scrap_time`` is the
    ideal time of the scrapped parts (default: at the mean ideal cycle of all parts)."""
    if good > produced or good < 0:
        raise ValueError(f"good quantity {good} must be between 0 and produced {produced}")
    ideal_cycle = ideal_time / produced if produced else 0.0
    losses = Losses(
        downtime=dict(sorted(downtime.items())),
        micro_stops=micro_stops,
        micro_stop_minutes=micro_stop_minutes,
        speed_loss=run_time - ideal_time,
        scrap_loss=ideal_cycle * (produced - good) if scrap_time is None else scrap_time,
    )
    return Oee(
        planned_busy, run_time, ideal_time, produced, good, losses, calendar_time, outside_planned
    )


def oee_from_totals(
    planned_production: float,
    *,
    downtime: float | Mapping[str, float],
    ideal_cycle_s: float,
    produced: int,
    scrap: int = 0,
    planned_downtime: float = 0.0,
    micro_stops: float = 0.0,
    calendar_time: float | None = None,
) -> Oee:
    """OEE from a shift's totals, as a kiosk reports them (minutes; cycle time in seconds).

    ``planned_production`` is the shift less its breaks; ``planned_downtime``
    (planned maintenance, meetings) comes off it to give the planned busy time;
    ``downtime`` is the unplanned stop time, a total or by reason; ``micro_stops``
    are minutes of short stops already inside the run time.
    """
    reasons = dict(downtime) if isinstance(downtime, Mapping) else {"down": float(downtime)}
    planned_busy = planned_production - planned_downtime
    run_time = planned_busy - sum(reasons.values())
    if run_time < 0:
        raise ValueError(
            f"downtime {sum(reasons.values()):g} min exceeds the planned busy time "
            f"{planned_busy:g} min"
        )
    return make_oee(
        planned_busy,
        run_time,
        ideal_cycle_s * produced / 60,
        produced,
        produced - scrap,
        reasons,
        micro_stop_minutes=micro_stops,
        calendar_time=calendar_time,
    )


def combine(values: Iterable[Oee]) -> Oee:
    """Several periods or stations as one: times and quantities added, ratios recomputed
    (so a long shift weighs more than a short one)."""
    items = list(values)
    downtime: dict[str, float] = {}
    for v in items:
        for reason, minutes in v.losses.downtime.items():
            downtime[reason] = downtime.get(reason, 0.0) + minutes
    calendars = [v.calendar_time for v in items]
    return make_oee(
        sum(v.planned_busy for v in items),
        sum(v.run_time for v in items),
        sum(v.ideal_time for v in items),
        sum(v.produced for v in items),
        sum(v.good for v in items),
        downtime,
        sum(v.losses.micro_stops for v in items),
        sum(v.losses.micro_stop_minutes for v in items),
        None if any(c is None for c in calendars) else sum(c or 0.0 for c in calendars),
        sum(v.outside_planned for v in items),
        sum(v.losses.scrap_loss for v in items),
    )
