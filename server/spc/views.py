"""Reading SPC state: limits and their history, a station's chart, signals, feed refs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.events.spc import SpcLimitLine, SpcLimitsRef, SpcSignalRef
from core.spc import limit_lines
from server import models as m
from server.models_spc import SpcLimits, SpcPoint, SpcSignalRow, SpcStream
from server.spc.charts import active_limits, limits_of
from server.spc.data import characteristic


def limits_view(row: SpcLimits) -> dict[str, Any]:
    limits, rules = limits_of(row)
    return {
        "characteristic": row.characteristic,
        "version": row.version,
        "chart": row.chart,
        "active": row.active,
        "center": limits.center,
        "sigma": limits.sigma,
        "subgroup_size": limits.subgroup_size,
        "source": limits.source,
        "baseline_points": limits.baseline_points,
        "excluded": list(limits.excluded),
        "lines": [
            {"part": ln.part, "center": ln.center, "lcl": ln.lcl, "ucl": ln.ucl, "sigma": ln.sigma}
            for ln in limit_lines(limits)
        ],
        "rules": [r.id for r in rules if r.enabled],
        "frozen_by": row.frozen_by,
        "frozen_at": row.frozen_at,
        "reason": row.reason,
    }


def limits_history(session: Session, characteristic_id: str) -> list[dict[str, Any]]:
    characteristic(session, characteristic_id)
    rows = session.execute(
        select(SpcLimits)
        .where(SpcLimits.characteristic == characteristic_id)
        .order_by(SpcLimits.version.desc())
    ).scalars()
    return [limits_view(r) for r in rows]


def chart(session: Session, characteristic_id: str, station: str, last: int = 50) -> dict[str, Any]:
    """The last ``last`` points of a station's chart with the active limits (kiosk, console)."""
    characteristic(session, characteristic_id)
    row = active_limits(session, characteristic_id)
    points = list(
        session.execute(
            select(SpcPoint)
            .where(SpcPoint.characteristic == characteristic_id, SpcPoint.station_id == station)
            .order_by(SpcPoint.idx.desc())
            .limit(last)
        ).scalars()
    )
    points.reverse()
    stream = session.get(SpcStream, (characteristic_id, station))
    open_signal = (
        session.get(SpcSignalRow, stream.open_signal_id)
        if stream is not None and stream.open_signal_id
        else None
    )
    return {
        "characteristic": characteristic_id,
        "station": station,
        "limits": limits_view(row) if row is not None else None,
        "points": [
            {
                "index": p.idx,
                "at": p.at,
                "work_order": p.work_order,
                "limits_version": p.limits_version,
                "values": p.values,
                "parts": p.parts,
                "in_control": p.in_control,
                "violations": p.violations,
                "signal": p.signal_id,
            }
            for p in points
        ],
        "pending": {wo: len(v) for wo, v in (stream.pending if stream else {}).items()},
        "open_signal": signal_ref(open_signal).model_dump(mode="json") if open_signal else None,
    }


def signal_ref(row: SpcSignalRow) -> SpcSignalRef:
    return SpcSignalRef(
        id=row.id,
        characteristic=row.characteristic,
        station_id=row.station_id,
        point=row.point,
        rules=list(row.rules),
        message=row.message,
        limits_version=row.limits_version,
        suspect_from=row.suspect_from,
        lots=list(row.lots),
        downstream=list(row.downstream),
        ncr=row.ncr,
        at=row.at,
        later_points=list(row.later_points),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        note=row.note,
        rev=row.rev,
    )


def get_signal(session: Session, signal_id: str) -> SpcSignalRef | None:
    row = session.get(SpcSignalRow, signal_id)
    return None if row is None else signal_ref(row)


def list_signals(
    session: Session,
    *,
    open_only: bool = True,
    station: str | None = None,
    characteristic_id: str | None = None,
    limit: int = 200,
) -> list[SpcSignalRef]:
    """Signals (the first of each episode), newest first."""
    stmt = select(SpcSignalRow).where(SpcSignalRow.continues.is_(None))
    if open_only:
        stmt = stmt.where(SpcSignalRow.acknowledged_at.is_(None))
    if station:
        stmt = stmt.where(SpcSignalRow.station_id == station)
    if characteristic_id:
        stmt = stmt.where(SpcSignalRow.characteristic == characteristic_id)
    rows = session.execute(
        stmt.order_by(SpcSignalRow.at.desc(), SpcSignalRow.rev.desc()).limit(limit)
    ).scalars()
    return [signal_ref(r) for r in rows]


def station_signals(
    session: Session,
    station_id: str,
    since_rev: int,
    upto_rev: int | None = None,
    limit: int | None = None,
) -> list[SpcSignalRef]:
    """Signals of a station changed after ``since_rev`` (opened, extended, acknowledged).

    In rev order, at most ``limit``, up to ``upto_rev``: a page of the station's
    change feed, like its holds.
    """
    stmt = select(SpcSignalRow).where(
        SpcSignalRow.station_id == station_id,
        SpcSignalRow.rev > since_rev,
        SpcSignalRow.continues.is_(None),
    )
    if upto_rev is not None:
        stmt = stmt.where(SpcSignalRow.rev <= upto_rev)
    rows = session.execute(stmt.order_by(SpcSignalRow.rev).limit(limit)).scalars()
    return [signal_ref(r) for r in rows]


def station_limits(
    session: Session,
    station_id: str,
    since_rev: int,
    upto_rev: int | None = None,
    limit: int | None = None,
) -> list[SpcLimitsRef]:
    """Limits (frozen or retired) of characteristics routed to a station, after ``since_rev``."""
    ops = [
        op.id
        for op in session.execute(select(m.Operation)).scalars()
        if station_id in (op.stations or [])
    ]
    if not ops:
        return []
    stmt = (
        select(SpcLimits)
        .join(m.Characteristic, m.Characteristic.id == SpcLimits.characteristic)
        .where(m.Characteristic.operation_id.in_(ops), SpcLimits.rev > since_rev)
    )
    if upto_rev is not None:
        stmt = stmt.where(SpcLimits.rev <= upto_rev)
    rows = session.execute(stmt.order_by(SpcLimits.rev).limit(limit)).scalars()
    out = []
    for row in rows:
        view = limits_view(row)
        out.append(
            SpcLimitsRef(
                characteristic=row.characteristic,
                version=row.version,
                chart=row.chart,
                subgroup_size=view["subgroup_size"],
                lines=[SpcLimitLine(**ln) for ln in view["lines"]],
                rules=view["rules"],
                active=row.active,
                rev=row.rev,
            )
        )
    return out
