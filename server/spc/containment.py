"""SPC signals and the containment of their suspect range.

A point at which a rule fires opens an SPC signal. Its containment holds the
suspect range: the lots (and serial units) made at that station for that
characteristic since the last in-control point before the pattern that fired,
every lot made from them, under one NCR; supervisors are notified. Until
someone acknowledges the signal with the assignable cause and the action
taken, what the station goes on making for that characteristic joins the
same containment. The holds come from the one reaction planner
(``core.quality.reactions``) through ``server.quality.reactions``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from core.events.spc import SignalViolation, SpcSignal
from core.outcomes import SpcSignalOut
from core.quality.reactions import DEFAULT_ON_SIGNAL, reaction_id
from core.spc import Violation
from server import models as m
from server.apply.context import ApplyContext
from server.genealogy import downstream_lots
from server.models_quality import Ncr
from server.models_spc import SpcPoint, SpcSignalRow, SpcStream
from server.quality.ncrs import new_ncr_id
from server.quality.reactions import react


def reaction_kinds(ch: m.Characteristic) -> tuple[str, ...]:
    return tuple(ch.reaction) if ch.reaction is not None else DEFAULT_ON_SIGNAL


def react_to_point(
    ctx: ApplyContext,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    stream: SpcStream,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> SpcSignalOut | None:
    session = ctx.session
    lead = session.get(SpcSignalRow, stream.open_signal_id) if stream.open_signal_id else None
    if lead is not None and lead.acknowledged_at is not None:
        lead = None
    if lead is None:
        stream.open_signal_id = None
        if not violations:
            return None
        return _open_signal(ctx, ch, wo, stream, record, violations, version)
    return _extend_signal(ctx, ch, wo, lead, record, violations, version)


def point_range(first: int, last: int) -> str:
    """Chart points ``first``..``last`` (0-based indexes) as the operator counts them on the
    chart, from point 1: "points 5-7", or "point 7" for one."""
    return f"point {last + 1}" if first == last else f"points {first + 1}-{last + 1}"


def signal_message(ch: m.Characteristic, station: str, violations: Sequence[Violation]) -> str:
    said = "; ".join(
        f"{v.rule}: {v.message}" + (f" ({v.part})" if v.part else "") for v in violations
    )
    return f"SPC signal on {ch.id} ({ch.name}) at {station}: {said}"


def suspect_range(
    ctx: ApplyContext, ch: m.Characteristic, station: str, first: int
) -> tuple[list[str], list[str]]:
    """Lots and serial units made at ``station`` for ``ch`` from point ``first`` on.

    A job is suspect when one of its measurements is in a point from ``first``
    on, or when it started at the station on the characteristic's operation
    after the last point before ``first`` (parts made between checks).
    Returns (lots, units), each sorted.
    """
    session = ctx.session
    rows = session.execute(
        select(SpcPoint.jobs, SpcPoint.events).where(
            SpcPoint.characteristic == ch.id, SpcPoint.station_id == station, SpcPoint.idx >= first
        )
    ).all()
    jobs: set[str] = {j for r in rows for j in r[0]}
    events: list[str] = [e for r in rows for e in r[1]]
    before = session.execute(
        select(SpcPoint.at).where(
            SpcPoint.characteristic == ch.id,
            SpcPoint.station_id == station,
            SpcPoint.idx == first - 1,
        )
    ).scalar_one_or_none()
    if before is not None:
        op = session.get(m.Operation, ch.operation_id)
        assert op is not None
        jobs.update(
            session.execute(
                select(m.Job.id)
                .join(m.WorkOrder, m.Job.work_order == m.WorkOrder.number)
                .where(
                    m.Job.station_id == station,
                    m.Job.operation_seq == op.seq,
                    m.WorkOrder.product == op.product,
                    m.Job.started_at > before,
                )
            ).scalars()
        )
    return job_lots(session, jobs), _units(ctx, events)


def job_lots(session: Session, jobs: set[str]) -> list[str]:
    """The lots these jobs made or work on (a cancelled job made nothing; scrap is gone)."""
    if not jobs:
        return []
    found: set[str] = set()
    for job in session.execute(
        select(m.Job).where(m.Job.id.in_(sorted(jobs)))  # type: ignore[attr-defined]
    ).scalars():
        if job.output_lot is None or job.status not in ("running", "completed"):
            continue
        lot = session.get(m.Lot, job.output_lot)
        if (lot is None and job.status == "running") or (
            lot is not None and lot.status != "scrapped"
        ):
            found.add(job.output_lot)
    return sorted(found)


def _units(ctx: ApplyContext, events: list[str]) -> list[str]:
    if not events:
        return []
    ctx.batch.flush_buffers()  # this batch's measurements are read back
    session = ctx.session
    return sorted(
        set(
            session.execute(
                select(m.Measurement.unit_serial).where(
                    m.Measurement.event_id.in_(events),  # type: ignore[attr-defined]
                    m.Measurement.unit_serial.is_not(None),  # type: ignore[union-attr]
                )
            ).scalars()
        )
    )


def _violations(violations: list[Violation]) -> list[SignalViolation]:
    return [
        SignalViolation(rule=v.rule, part=v.part, points=list(v.points), message=v.message)
        for v in violations
    ]


def _open_signal(
    ctx: ApplyContext,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    stream: SpcStream,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> SpcSignalOut:
    session, station = ctx.session, ctx.station_id
    first = min(min(v.points) for v in violations)
    signal_id = reaction_id(ctx.event.id, f"spc:{violations[0].rule}")
    kinds = reaction_kinds(ch)
    lots, units = suspect_range(ctx, ch, station, first)
    lots = lots if "hold_lot" in kinds else []
    units = units if "hold_unit" in kinds else []
    downstream = sorted(downstream_lots(session, lots, include_self=False)) if lots else []
    holding = bool(lots or units or "hold_station" in kinds)
    ncr_id = new_ncr_id(session, ctx.occurred_at) if holding else None
    message = signal_message(ch, station, violations)
    ctx.emit(
        SpcSignal(
            signal_id=signal_id,
            characteristic=ch.id,
            station=station,
            work_order=wo.number,
            point=record.idx,
            violations=_violations(violations),
            limits_version=version,
            suspect_from=first,
            lots=lots,
            downstream=downstream,
            units=units,
            ncr=ncr_id,
            cause_event_id=ctx.event.id,
        ),
        signal_id,
    )
    reason = f"{message} ({point_range(first, record.idx)}, limits v{version})"
    react(
        ctx, kinds, source="spc_signal", reason=reason,
        title=f"SPC signal: {ch.name} at {station}", lots=lots, units=units,
        downstream=downstream, critical=ch.critical, cause=signal_id, ncr_id=ncr_id,
        measurements=[  # the subgroup that signalled
            {"event_id": e, "characteristic": ch.id, "value": v, "unit": ch.unit,
             "point": record.idx}
            for e, v in zip(record.events, record.values, strict=True)
        ],
    )  # fmt: skip
    stream.open_signal_id = str(signal_id)
    record.signal_id = str(signal_id)
    return SpcSignalOut(
        id=str(signal_id),
        rules=[v.rule for v in violations],
        message=message,
        suspect_from=first,
        lots=lots,
        downstream=downstream,
        units=units,
        ncr=ncr_id,
        continues=None,
    )


def _extend_signal(
    ctx: ApplyContext,
    ch: m.Characteristic,
    wo: m.WorkOrder,
    lead: SpcSignalRow,
    record: SpcPoint,
    violations: list[Violation],
    version: int,
) -> SpcSignalOut | None:
    """A point charted while a signal is unacknowledged: its lots join the containment."""
    session = ctx.session
    kinds = reaction_kinds(ch)
    lots = job_lots(session, set(record.jobs)) if "hold_lot" in kinds else []
    units = _units(ctx, list(record.events)) if "hold_unit" in kinds else []
    lots = [lot for lot in lots if lot not in lead.lots and lot not in lead.downstream]
    units = [u for u in units if u not in lead.units]
    downstream = (
        [
            d
            for d in sorted(downstream_lots(session, lots, include_self=False))
            if d not in lead.downstream
        ]
        if lots
        else []
    )
    signal_id: uuid.UUID | None = None
    if violations:
        signal_id = reaction_id(ctx.event.id, f"spc:{violations[0].rule}")
        ctx.emit(
            SpcSignal(
                signal_id=signal_id,
                characteristic=ch.id,
                station=ctx.station_id,
                work_order=wo.number,
                point=record.idx,
                violations=_violations(violations),
                limits_version=version,
                suspect_from=min(min(v.points) for v in violations),
                lots=lots,
                downstream=downstream,
                units=units,
                ncr=lead.ncr,
                continues=uuid.UUID(lead.id),
                cause_event_id=ctx.event.id,
            ),
            signal_id,
        )
        record.signal_id = str(signal_id)
    reason = (
        f"made while SPC signal on {ch.id} at {ctx.station_id} (point {lead.point + 1}) was "
        f"unacknowledged: point {record.idx + 1}"
    )
    holding = [k for k in kinds if k in ("hold_lot", "hold_unit")]
    if holding and (lots or units or downstream):
        react(
            ctx, holding, source="spc_signal", reason=reason, title="", lots=lots, units=units,
            downstream=downstream, cause=uuid.UUID(lead.id), ncr_id=lead.ncr, open_ncr=False,
        )  # fmt: skip
    if lots or downstream or units or violations:
        lead.lots = [*lead.lots, *lots]
        lead.downstream = [*lead.downstream, *downstream]
        lead.units = [*lead.units, *units]
        lead.later_points = [*lead.later_points, record.idx]
        ctx.touch(lead)
        if lead.ncr and (lots or downstream or units):
            ncr = session.get(Ncr, lead.ncr)
            if ncr is not None:
                ncr.lots = [*ncr.lots, *lots, *downstream]
                ncr.units = [*ncr.units, *units]
                ctx.touch(ncr)
    if not (violations or lots or downstream or units):
        return None
    return SpcSignalOut(
        id=str(signal_id) if signal_id else None,
        continues=lead.id,
        rules=[v.rule for v in violations],
        lots=lots,
        downstream=downstream,
        units=units,
        ncr=lead.ncr,
    )
