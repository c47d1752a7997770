"""What a gauge (or PLC) measured: the lots to re-check when it fails calibration.

``gauge_use(engine, device, since, until)`` lists, for the measurements a device
took in a time window (default: all), how many per characteristic and station,
and the lots they were taken on (each job's output lot, with its status now),
so quality can hold or re-inspect them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server import models as m
from server.db import as_utc


@dataclass(frozen=True, slots=True)
class UseLine:
    characteristic: str
    station: str
    measured: int
    failed: int
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True, slots=True)
class MeasuredLot:
    lot: str
    status: str | None
    measured: int


@dataclass(frozen=True, slots=True)
class GaugeUse:
    device: str
    since: datetime | None
    until: datetime | None
    lines: list[UseLine] = field(default_factory=list)
    lots: list[MeasuredLot] = field(default_factory=list)

    @property
    def measured(self) -> int:
        return sum(line.measured for line in self.lines)


def gauge_use(
    engine: Engine, device: str, since: datetime | None = None, until: datetime | None = None
) -> GaugeUse:
    where = [m.Measurement.device == device]
    if since is not None:
        where.append(m.Measurement.occurred_at >= since)
    if until is not None:
        where.append(m.Measurement.occurred_at < until)
    failed = func.sum(case((m.Measurement.verdict == "fail", 1), else_=0))
    with Session(engine) as s:
        lines = [
            UseLine(ch, station, int(n), int(fails or 0), as_utc(first), as_utc(last))
            for ch, station, n, fails, first, last in s.execute(
                select(
                    m.Measurement.characteristic, m.Measurement.station_id, func.count(), failed,
                    func.min(m.Measurement.occurred_at), func.max(m.Measurement.occurred_at),
                )
                .where(*where)
                .group_by(m.Measurement.characteristic, m.Measurement.station_id)
                .order_by(m.Measurement.characteristic, m.Measurement.station_id)
            ).all()
        ]  # fmt: skip
        lots = [
            MeasuredLot(lot, status, int(n))
            for lot, status, n in s.execute(
                select(m.Job.output_lot, m.Lot.status, func.count())
                .select_from(m.Measurement)
                .join(m.Job, m.Job.id == m.Measurement.job_id)
                .outerjoin(m.Lot, m.Lot.id == m.Job.output_lot)
                .where(*where, m.Job.output_lot.is_not(None))  # type: ignore[union-attr]
                .group_by(m.Job.output_lot, m.Lot.status)
                .order_by(m.Job.output_lot)
            ).all()
        ]
    return GaugeUse(device, since, until, lines, lots)
