"""The SPC events: a signal recorded, limits frozen, a signal acknowledged."""

from __future__ import annotations

from sqlalchemy import func, select, update

from core.events.spc import SpcLimitsFrozen, SpcSignal, SpcSignalAcknowledged
from core.outcomes import Outcome
from core.permissions import Action, may, refusal
from core.spc import ControlLimits, SpcError, freeze
from server import models as m
from server.apply.context import SERVER_STATION, ApplyContext, Rejected
from server.models_quality import Notification
from server.models_spc import SpcLimits, SpcSignalRow, SpcStream
from server.spc.charts import limits_problem, rules_from_json, rules_to_json


def on_signal(ctx: ApplyContext, p: SpcSignal) -> Outcome:
    session = ctx.session
    if session.get(SpcSignalRow, str(p.signal_id)) is not None:
        raise Rejected(f"SPC signal {p.signal_id} already exists")
    message = "; ".join(f"{v.rule}: {v.message}" for v in p.violations)
    row = SpcSignalRow(
        id=str(p.signal_id),
        characteristic=p.characteristic,
        station_id=p.station,
        work_order=p.work_order,
        point=p.point,
        rules=[v.rule for v in p.violations],
        violations=[v.model_dump() for v in p.violations],
        message=message,
        limits_version=p.limits_version,
        suspect_from=p.suspect_from,
        lots=list(p.lots),
        downstream=list(p.downstream),
        units=list(p.units),
        ncr=p.ncr,
        continues=str(p.continues) if p.continues else None,
        cause_event_id=str(p.cause_event_id) if p.cause_event_id else None,
        at=ctx.occurred_at,
    )
    ctx.touch(row)
    session.flush()
    return Outcome(signal=row.id, rules=row.rules, continues=row.continues)


def on_limits_frozen(ctx: ApplyContext, p: SpcLimitsFrozen) -> Outcome:
    session = ctx.session
    ch = session.get(m.Characteristic, p.characteristic)
    if ch is None:
        raise Rejected(f"characteristic {p.characteristic} is unknown")
    operator = session.get(m.Operator, ctx.operator_id or "")
    role = operator.role if operator is not None and operator.active else None
    if not may(role, Action.LIMITS_FREEZE):
        raise Rejected(refusal(Action.LIMITS_FREEZE, ctx.operator_id, role))
    assert operator is not None
    try:
        draft = ControlLimits.from_dict(p.limits)
        rules = rules_from_json(p.rules)
        limits = freeze(
            draft,
            version=p.version,
            approved_by=operator.badge,
            approved_at=ctx.occurred_at,
            reason=p.reason,
        )
    except (SpcError, TypeError) as exc:
        raise Rejected(str(exc)) from None
    problem = limits_problem(ch, limits)
    if problem is not None:
        raise Rejected(problem)
    latest = session.execute(
        select(func.max(SpcLimits.version)).where(SpcLimits.characteristic == ch.id)
    ).scalar_one()
    expected = (latest or 0) + 1
    if p.version != expected:
        raise Rejected(
            f"{ch.id} limits version {p.version} cannot be frozen: the next version is {expected}"
        )
    for old in session.execute(
        select(SpcLimits).where(SpcLimits.characteristic == ch.id, SpcLimits.active.is_(True))
    ).scalars():
        old.active = False
        ctx.touch(old)
    ctx.touch(
        SpcLimits(
            characteristic=ch.id,
            version=p.version,
            chart=limits.chart,
            limits=limits.to_dict(),
            rules=rules_to_json(rules),
            frozen_by=operator.badge,
            frozen_at=ctx.occurred_at,
            reason=p.reason,
            active=True,
            event_id=str(ctx.event.id),
        )
    )
    session.flush()
    return Outcome(
        characteristic=ch.id,
        version=p.version,
        chart=limits.chart,
        center=limits.center,
        sigma=limits.sigma,
        subgroup_size=limits.subgroup_size,
    )


def on_acknowledged(ctx: ApplyContext, p: SpcSignalAcknowledged) -> Outcome:
    session = ctx.session
    row = session.get(SpcSignalRow, str(p.signal_id))
    if row is None:
        raise Rejected(f"SPC signal {p.signal_id} does not exist")
    if row.continues:
        raise Rejected(f"signal {row.id} belongs to signal {row.continues}: acknowledge that one")
    if row.acknowledged_at is not None:
        raise Rejected(f"signal {row.id} was already acknowledged by {row.acknowledged_by}")
    if ctx.station_id not in (SERVER_STATION, row.station_id):
        raise Rejected(f"station {ctx.station_id} may not acknowledge a signal of {row.station_id}")
    operator = session.get(m.Operator, ctx.operator_id or "")
    role = operator.role if operator is not None and operator.active else None
    if not may(role, Action.SIGNAL_ACKNOWLEDGE):
        raise Rejected(refusal(Action.SIGNAL_ACKNOWLEDGE, ctx.operator_id, role))
    assert operator is not None
    for signal in [
        row,
        *session.execute(select(SpcSignalRow).where(SpcSignalRow.continues == row.id)).scalars(),
    ]:
        signal.acknowledged_by = operator.badge
        signal.acknowledged_at = ctx.occurred_at
        signal.note = p.note
        ctx.touch(signal)
    session.execute(
        update(SpcStream).where(SpcStream.open_signal_id == row.id).values(open_signal_id=None)
    )
    for note in session.execute(
        select(Notification).where(
            Notification.kind == "spc_signal",
            Notification.cause_event_id == row.cause_event_id,
            Notification.acknowledged_at.is_(None),
        )
    ).scalars():
        note.acknowledged_by = operator.badge
        note.acknowledged_at = ctx.occurred_at
        note.note = p.note[:500]
        ctx.touch(note)
    return Outcome(signal=row.id, acknowledged_by=operator.badge)
